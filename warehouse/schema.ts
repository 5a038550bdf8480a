import type { ColumnType, Generated } from 'kysely';

/**
 * Typed tables that TypeScript code reads and writes through Kysely. Raw and
 * model tables are reached with SQL; these are the warehouse's own bookkeeping.
 */
export interface SyncStateTable {
  stream: string;
  /** 'backfill' while a full read is under way, 'incremental' once one has finished. */
  phase: string;
  /** Server time (epoch seconds) when the current or last full read began. */
  backfill_started_at: number | null;
  backfill_completed_at: number | null;
  /** Events are read from here on (epoch seconds, server time); null before any full read ends. */
  events_cursor: number | null;
  last_success_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  last_run_id: string | null;
  object_count: number | null;
}

export interface SyncWindowTable {
  stream: string;
  /** The created range [lo, hi] this window lists, epoch seconds inclusive. */
  lo: number;
  hi: number;
  /** Objects created after this have been read; the next page resumes at created <= cursor. */
  cursor: number | null;
  done: boolean;
  pages: number;
  objects: number;
}

export interface RunTable {
  run_id: string;
  command: string;
  started_at: ColumnType<Date, Date | string, Date | string>;
  ended_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  status: string;
  counts: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  error: string | null;
  pid: number | null;
}

export interface MigrationTable {
  id: string;
  applied_at: ColumnType<Date, Date | string, Date | string>;
}

export interface WarehouseSchema {
  'meta.sync_state': SyncStateTable;
  'meta.sync_windows': SyncWindowTable;
  'meta.runs': RunTable;
  'meta.migrations': MigrationTable;
}

export type { Generated };
