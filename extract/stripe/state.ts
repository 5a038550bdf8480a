import type { Kysely, Selectable, Updateable } from 'kysely';
import type { SyncStateTable, SyncWindowTable, WarehouseSchema } from '../../warehouse/schema.js';
import type { SqlSession } from '../../warehouse/warehouse.js';

/**
 * The extractor's persisted progress: per stream its phase and cursors
 * (meta.sync_state) and, during a backfill, its created windows with their
 * cursors (meta.sync_windows). Every write here happens in the transaction
 * that stores the rows it describes, so state and data never disagree.
 */
export type Db = Kysely<WarehouseSchema>;

export type SyncState = Selectable<SyncStateTable>;

/** A window of a backfill: objects created in [lo, hi] (epoch seconds, inclusive), read newest first. */
export interface BackfillWindow {
  readonly stream: string;
  lo: number;
  readonly hi: number;
  /** Objects created after this second have all been read; null before the first page. */
  cursor: number | null;
  done: boolean;
  pages: number;
  objects: number;
}

export async function readSyncStates(db: Db): Promise<Map<string, SyncState>> {
  const rows = await db.selectFrom('meta.sync_state').selectAll().execute();
  return new Map(rows.map((row) => [row.stream, row]));
}

export async function readWindows(db: Db, stream: string): Promise<BackfillWindow[]> {
  const rows = await db.selectFrom('meta.sync_windows').selectAll().where('stream', '=', stream).orderBy('lo', 'desc').execute();
  return rows.map(toWindow);
}

function toWindow(row: Selectable<SyncWindowTable>): BackfillWindow {
  return { stream: row.stream, lo: row.lo, hi: row.hi, cursor: row.cursor, done: row.done, pages: row.pages, objects: row.objects };
}

/**
 * Splits [from, to] into `count` windows of equal length, the first reaching
 * down to 0 so nothing created before `from` (the account's creation) is missed.
 */
export function planWindowRanges(from: number, to: number, count: number, options: { openStart?: boolean } = {}): { lo: number; hi: number }[] {
  const start = Math.min(from, to);
  const span = to - start + 1;
  const n = Math.max(1, Math.min(count, span));
  const ranges: { lo: number; hi: number }[] = [];
  for (let i = 0; i < n; i++) {
    const lo = start + Math.floor((span * i) / n);
    const hi = start + Math.floor((span * (i + 1)) / n) - 1;
    ranges.push({ lo, hi });
  }
  if (options.openStart !== false) ranges[0]!.lo = 0;
  return ranges;
}

async function upsertState(db: Db, stream: string, values: Omit<Updateable<SyncStateTable>, 'stream'>): Promise<void> {
  const existing = await db.selectFrom('meta.sync_state').select('stream').where('stream', '=', stream).executeTakeFirst();
  if (existing) {
    await db.updateTable('meta.sync_state').set(values).where('stream', '=', stream).execute();
  } else {
    await db
      .insertInto('meta.sync_state')
      .values({
        stream,
        phase: 'backfill',
        backfill_started_at: null,
        backfill_completed_at: null,
        events_cursor: null,
        last_success_at: null,
        last_run_id: null,
        object_count: null,
        ...values,
      })
      .execute();
  }
}

/** Starts a full read of a stream: fresh windows up to the server time t0, staging emptied by the caller. */
export async function planBackfill(db: Db, stream: string, options: { t0: number; ranges: readonly { lo: number; hi: number }[]; runId: string }): Promise<BackfillWindow[]> {
  await db.deleteFrom('meta.sync_windows').where('stream', '=', stream).execute();
  const windows: BackfillWindow[] = options.ranges.map((range) => ({ stream, lo: range.lo, hi: range.hi, cursor: null, done: false, pages: 0, objects: 0 }));
  if (windows.length > 0) await db.insertInto('meta.sync_windows').values(windows).execute();
  await upsertState(db, stream, { phase: 'backfill', backfill_started_at: options.t0, backfill_completed_at: null, last_run_id: options.runId });
  return windows.sort((a, b) => b.lo - a.lo);
}

/**
 * Records the pages read in several windows with one statement (an UPDATE per
 * window cost more than the pages' rows themselves); `lo` is each window's
 * key as it stands (splits move it).
 */
export async function recordWindowPages(session: SqlSession, windows: readonly BackfillWindow[]): Promise<void> {
  if (windows.length === 0) return;
  const rows = windows.map((w) => ({ stream: w.stream, lo: w.lo, cursor: w.cursor, done: w.done, pages: w.pages, objects: w.objects }));
  await session.run(
    `update meta.sync_windows as w
     set cursor = v.cursor, done = v.done, pages = v.pages, objects = v.objects
     from (select unnest(from_json(?::json, '[{"stream":"varchar","lo":"bigint","cursor":"bigint","done":"boolean","pages":"integer","objects":"bigint"}]'), recursive := true)) v
     where w.stream = v.stream and w.lo = v.lo`,
    [rows],
  );
}

/** Records a page read in a window; `lo` is the window's key as it stands (splits move it). */
export async function recordWindowPage(db: Db, window: BackfillWindow): Promise<void> {
  await db
    .updateTable('meta.sync_windows')
    .set({ cursor: window.cursor, done: window.done, pages: window.pages, objects: window.objects })
    .where('stream', '=', window.stream)
    .where('lo', '=', window.lo)
    .execute();
}

/**
 * Hands the older part [window.lo, mid] of a window's remaining range to a new
 * window; the original keeps reading down to mid + 1.
 */
export async function splitWindow(db: Db, window: BackfillWindow, mid: number): Promise<BackfillWindow> {
  const lower: BackfillWindow = { stream: window.stream, lo: window.lo, hi: mid, cursor: null, done: false, pages: 0, objects: 0 };
  await db.updateTable('meta.sync_windows').set({ lo: mid + 1 }).where('stream', '=', window.stream).where('lo', '=', window.lo).execute();
  await db.insertInto('meta.sync_windows').values(lower).execute();
  return lower;
}

export async function completeBackfill(db: Db, stream: string, options: { completedAt: number; cursor: number | null; runId: string; objectCount: number; succeededAt: Date }): Promise<void> {
  await db.deleteFrom('meta.sync_windows').where('stream', '=', stream).execute();
  await upsertState(db, stream, {
    phase: 'incremental',
    backfill_completed_at: options.completedAt,
    events_cursor: options.cursor,
    last_success_at: options.succeededAt,
    last_run_id: options.runId,
    object_count: options.objectCount,
  });
}

export async function recordIncremental(db: Db, stream: string, options: { cursor: number | null; runId: string; objectCount: number; succeededAt: Date }): Promise<void> {
  await upsertState(db, stream, {
    phase: 'incremental',
    events_cursor: options.cursor,
    last_success_at: options.succeededAt,
    last_run_id: options.runId,
    object_count: options.objectCount,
  });
}
