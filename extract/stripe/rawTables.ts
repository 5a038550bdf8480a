import type { BulkColumn } from '../../warehouse/bulkLoad.js';
import { quoteIdentifier } from '../../warehouse/bulkLoad.js';
import type { SqlSession } from '../../warehouse/warehouse.js';
import type { StripeObject } from './client.js';

/**
 * raw_stripe.<stream> holds the last complete state of each stream, one row
 * per object. Rows read but not yet complete (a backfill under way, an
 * incremental run before its final commit) wait in raw_stripe_staging.<stream>
 * and reach the raw table in one transaction, so a killed run never leaves a
 * half-read stream behind and a rerun continues from the staging rows.
 */
export const RAW_SCHEMA = 'raw_stripe';
export const STAGING_SCHEMA = 'raw_stripe_staging';

export const RAW_COLUMNS: readonly BulkColumn[] = [
  { name: 'id', type: 'varchar' },
  { name: 'data', type: 'json' },
  { name: 'synced_at', type: 'timestamptz' },
  { name: 'deleted', type: 'boolean' },
];

/** Staging rows also carry seq: a later version of an id has a higher one, and the merge keeps it. */
const STAGING_COLUMNS: readonly BulkColumn[] = [...RAW_COLUMNS, { name: 'seq', type: 'bigint' }];

let lastSeq = 0;
/** Increasing within a process and, being clock-based (microseconds), across the runs that resume one another. */
export function nextSeq(): number {
  lastSeq = Math.max(lastSeq + 1, Date.now() * 1000);
  return lastSeq;
}

export interface RawRow {
  readonly id: string;
  /** The object as Stripe returned it (sub-lists completed), or its JSON text; for a deletion, what we know of it. */
  readonly data: string | StripeObject | Record<string, unknown>;
  readonly deleted: boolean;
  readonly syncedAt: Date;
}

export interface MergeCounts {
  new: number;
  updated: number;
  deleted: number;
}

export const rawTable = (stream: string): string => `${RAW_SCHEMA}.${quoteIdentifier(stream)}`;
export const stagingTable = (stream: string): string => `${STAGING_SCHEMA}.${quoteIdentifier(stream)}`;
/**
 * Where a full read of a stream collects its pages. It lives beside the raw
 * table because it becomes the raw table when the read completes (DuckDB
 * renames a table only within its schema): no copy of the whole stream.
 */
export const backfillTableName = (stream: string): string => `_backfill_${stream}`;
export const backfillTable = (stream: string): string => `${RAW_SCHEMA}.${quoteIdentifier(backfillTableName(stream))}`;

export async function ensureStreamTables(session: SqlSession, stream: string): Promise<void> {
  await session.run(`create schema if not exists ${RAW_SCHEMA}`);
  await session.run(`create schema if not exists ${STAGING_SCHEMA}`);
  await session.run(
    `create table if not exists ${rawTable(stream)} (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false)`,
  );
  // No key in staging: rows are only appended, and a re-read id simply gets a later seq.
  await session.run(
    `create table if not exists ${stagingTable(stream)} (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null, seq bigint not null default 0)`,
  );
}

/** The table a full read's rows are loaded into, created empty when the read has loaded none yet. */
export async function ensureBackfillTable(session: SqlSession, stream: string): Promise<void> {
  await session.run(
    `create table if not exists ${backfillTable(stream)} (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null default false, seq bigint not null default 0)`,
  );
}

/**
 * Appends rows to the stream's staging table. A row for an id staged before
 * supersedes it: the merge keeps each id's latest version.
 */
export async function stageRows(session: SqlSession, stream: string, rows: readonly RawRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  return session.append(
    { schema: STAGING_SCHEMA, table: stream },
    STAGING_COLUMNS,
    rows.map((row) => [row.id, row.data, row.syncedAt, row.deleted, nextSeq()]),
  );
}

export async function clearStaging(session: SqlSession, stream: string): Promise<void> {
  await session.run(`delete from ${stagingTable(stream)}`);
}

/** Distinct ids waiting in staging. */
export async function stagedCount(session: SqlSession, stream: string): Promise<number> {
  return (await session.one<{ n: number }>(`select count(distinct id) as n from ${stagingTable(stream)}`))?.n ?? 0;
}

export interface MergeOptions {
  /**
   * The staging table holds a complete read of a stream whose list shows
   * everything, taken at server time `readStartedAt`: objects we hold that
   * were created by then and are missing from it were deleted in Stripe.
   */
  readonly completeReadStartedAt?: number;
  readonly syncedAt: Date;
}

/**
 * Moves the latest staged version of each id into the raw table, replacing
 * the row held for it, then empties staging. A staged deletion keeps the data
 * we already held (a deleted customer keeps its email and name) and only
 * flags the row; the staged data is stored only for objects we never had.
 * Run it inside the transaction that also records the stream's new state.
 */
export async function mergeStaging(session: SqlSession, stream: string, options: MergeOptions): Promise<MergeCounts> {
  const raw = rawTable(stream);
  const staging = stagingTable(stream);
  // The latest version of each staged id: only ids and seqs, so it stays small however large the data.
  await session.run(`create or replace temporary table merge_latest as select id, max(seq) as seq from ${staging} group by id`);
  const latest = `(select s.* from ${staging} s join merge_latest l on l.id = s.id and l.seq = s.seq)`;
  const counts = await session.one<{ new: number; updated: number; deleted: number }>(
    `select
       count(*) filter (where r.id is null and not s.deleted) as new,
       count(*) filter (where r.id is not null and not s.deleted) as updated,
       count(*) filter (where s.deleted and (r.id is null or not r.deleted)) as deleted
     from ${latest} s left join ${raw} r on r.id = s.id`,
  );
  await session.run(`delete from ${raw} where id in (select id from ${latest} live where not live.deleted)`);
  await session.run(`insert into ${raw} (id, data, synced_at, deleted) select id, data, synced_at, false from ${latest} live where not live.deleted`);
  await session.run(
    `update ${raw} set deleted = true, synced_at = gone.synced_at
     from (select id, synced_at from ${latest} d where d.deleted) gone
     where ${raw}.id = gone.id`,
  );
  await session.run(
    `insert into ${raw} (id, data, synced_at, deleted)
     select id, data, synced_at, true from ${latest} d where d.deleted and d.id not in (select id from ${raw})`,
  );
  let absent = 0;
  if (options.completeReadStartedAt !== undefined) {
    absent = await session.run(
      `update ${raw} set deleted = true, synced_at = ?
       where not deleted
         and id not in (select id from merge_latest)
         and coalesce(try_cast(data->>'created' as bigint), 9223372036854775807) <= ?`,
      [options.syncedAt, options.completeReadStartedAt],
    );
  }
  await session.run('drop table merge_latest');
  await clearStaging(session, stream);
  return { new: counts?.new ?? 0, updated: counts?.updated ?? 0, deleted: (counts?.deleted ?? 0) + absent };
}

/**
 * Keeps one row per id of a full read: the latest version of an id read
 * twice (a resumed window re-reads its cursor's second), and one of the
 * copies of a chunk loaded twice (a run killed between a load's commit and
 * the chunk's removal). Its own transaction, before the swap: DuckDB builds a
 * key over rows deleted earlier in the same transaction as if they were still
 * there.
 */
export async function dedupeBackfillTable(session: SqlSession, stream: string): Promise<void> {
  const backfill = backfillTable(stream);
  await session.run(
    `delete from ${backfill} where rowid in (
       select rowid from (
         select rowid, row_number() over (partition by id order by seq desc) as position
         from ${backfill} where id in (select id from ${backfill} group by id having count(*) > 1)
       ) where position > 1
     )`,
  );
}

/** The seq of rows a full read carries over from the raw table: read rows have clock-based ones (nextSeq). */
const CARRIED_SEQ = 0;

/**
 * Completes a full read: the backfill table (deduplicated first), with the
 * rows it lacks carried over from the raw table, becomes the raw table in one
 * transaction. Carried-over rows that were created before the read began
 * (and the list shows everything) were deleted in Stripe and are marked so,
 * keeping their data; rows created since (by webhooks, say) stay as they are.
 */
export async function completeBackfillTable(session: SqlSession, stream: string, options: MergeOptions): Promise<MergeCounts> {
  const raw = rawTable(stream);
  const backfill = backfillTable(stream);
  const counts = await session.one<{ new: number; updated: number }>(
    `select count(*) filter (where r.id is null) as new, count(*) filter (where r.id is not null) as updated
     from ${backfill} b left join ${raw} r on r.id = b.id`,
  );
  // Rows we hold that the read did not find are carried over: deleted in Stripe if they existed when it began.
  // One pass, so each carried row's JSON is parsed once and no other row's is (a parse of every row, a vector
  // of 2,048 invoices at a time, took 16 MB of DuckDB's capped memory in one piece).
  const createdBy = `coalesce(try_cast(r.data->>'created' as bigint), 9223372036854775807)`;
  const gone = options.completeReadStartedAt === undefined ? 'false' : `(not r.deleted and ${createdBy} <= ${Math.floor(options.completeReadStartedAt)})`;
  await session.run(
    `insert into ${backfill} (id, data, synced_at, deleted, seq)
     select id, data, case when gone then ? else synced_at end, deleted or gone, ${CARRIED_SEQ}
     from (select r.id, r.data, r.synced_at, r.deleted, ${gone} as gone from ${raw} r anti join ${backfill} b on b.id = r.id)`,
    [options.syncedAt],
  );
  // The rows it marked: carried over, deleted, and stamped now (a row deleted before keeps its own time).
  const deleted = await session.one<{ n: number }>(`select count(*) as n from ${backfill} where seq = ${CARRIED_SEQ} and deleted and synced_at = ?`, [
    options.syncedAt,
  ]);
  await session.run(`drop table ${raw}`);
  await session.run(`alter table ${backfill} rename to ${quoteIdentifier(stream)}`);
  await session.run(`alter table ${raw} drop column seq`);
  await session.run(`alter table ${raw} add primary key (id)`);
  return { new: counts?.new ?? 0, updated: counts?.updated ?? 0, deleted: deleted?.n ?? 0 };
}

export async function rawRowCount(session: SqlSession, stream: string): Promise<number> {
  return (await session.one<{ n: number }>(`select count(*) as n from ${rawTable(stream)}`))?.n ?? 0;
}
