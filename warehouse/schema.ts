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

/** One model (or seed) built by one `tributary build` run, failed ones included. */
export interface ModelBuildTable {
  run_id: string;
  model: string;
  schema: string;
  /** 'table', 'view' or 'seed'. */
  materialized: string;
  /** Rows of a table; null for views (counting one would run it). */
  rows: number | null;
  seconds: number | null;
  /** 'ok' or 'failed'. */
  status: string;
  error: string | null;
}

/** Every model and seed of the project with its YAML description; rewritten by each build (the data dictionary). */
export interface ModelDocTable {
  model: string;
  schema: string;
  /** 'staging', 'intermediate', 'marts' or 'seeds'. */
  layer: string;
  description: string | null;
  materialized: string | null;
  /** The model's file, relative to the project root. */
  file: string | null;
}

/** Every column of every model as built, with its YAML description; rewritten by each build. */
export interface ColumnDocTable {
  model: string;
  column: string;
  /** 1-based, in the table's column order. */
  position: number;
  data_type: string | null;
  description: string | null;
}

export interface WarehouseSchema {
  'meta.model_builds': ModelBuildTable;
  'meta.model_docs': ModelDocTable;
  'meta.column_docs': ColumnDocTable;
  'meta.sync_state': SyncStateTable;
  'meta.sync_windows': SyncWindowTable;
  'meta.runs': RunTable;
  'meta.migrations': MigrationTable;
}

export type { Generated };
