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

export interface RawRow {
  readonly id: string;
  /** The object as Stripe returned it (sub-lists completed); for a deletion, what we know of it. */
  readonly data: StripeObject | Record<string, unknown>;
  readonly deleted: boolean;
  readonly syncedAt: Date;
}

export interface MergeCounts {
  new: number;
  updated: number;
  deleted: number;
}

/** A JSON array parameter as a set of ids: robust to any character an id could hold. */
const ID_LIST = `(select unnest(from_json(?::json, '["varchar"]')))`;

export const rawTable = (stream: string): string => `${RAW_SCHEMA}.${quoteIdentifier(stream)}`;
export const stagingTable = (stream: string): string => `${STAGING_SCHEMA}.${quoteIdentifier(stream)}`;

export async function ensureStreamTables(session: SqlSession, stream: string): Promise<void> {
  await session.run(`create schema if not exists ${RAW_SCHEMA}`);
  await session.run(`create schema if not exists ${STAGING_SCHEMA}`);
  await session.run(
    `create table if not exists ${rawTable(stream)} (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false)`,
  );
  // No key in staging: a page re-read after a resume replaces its rows explicitly (stageRows).
  await session.run(`create table if not exists ${stagingTable(stream)} (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null)`);
}

/**
 * Puts rows in the stream's staging table, replacing earlier staged versions
 * of the same ids (a resumed window re-reads its cursor's second). Within one
 * call a later row for an id wins.
 */
export async function stageRows(session: SqlSession, stream: string, rows: readonly RawRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const latest = new Map<string, RawRow>();
  for (const row of rows) latest.set(row.id, row);
  const ids = [...latest.keys()];
  await session.run(`delete from ${stagingTable(stream)} where id in ${ID_LIST}`, [ids]);
  return session.append(
    { schema: STAGING_SCHEMA, table: stream },
    RAW_COLUMNS,
    [...latest.values()].map((row) => [row.id, row.data, row.syncedAt, row.deleted]),
  );
}

export async function clearStaging(session: SqlSession, stream: string): Promise<void> {
  await session.run(`delete from ${stagingTable(stream)}`);
}

export async function stagedCount(session: SqlSession, stream: string): Promise<number> {
  return (await session.one<{ n: number }>(`select count(*) as n from ${stagingTable(stream)}`))?.n ?? 0;
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
 * Moves the staging rows into the raw table, replacing rows with the same id,
 * then empties staging. A staged deletion keeps the data we already held (a
 * deleted customer keeps its email and name); the staged data is used only
 * for objects we never had. Run it inside the transaction that also records
 * the stream's new state.
 */
export async function mergeStaging(session: SqlSession, stream: string, options: MergeOptions): Promise<MergeCounts> {
  const raw = rawTable(stream);
  const staging = stagingTable(stream);
  const counts = await session.one<{ new: number; updated: number; deleted: number }>(
    `select
       count(*) filter (where r.id is null and not s.deleted) as new,
       count(*) filter (where r.id is not null and not s.deleted) as updated,
       count(*) filter (where s.deleted and (r.id is null or not r.deleted)) as deleted
     from ${staging} s left join ${raw} r on r.id = s.id`,
  );
  await session.run(`create or replace temporary table merge_rows as
     select s.id, case when s.deleted and r.id is not null then r.data else s.data end as data, s.synced_at, s.deleted
     from ${staging} s left join ${raw} r on r.id = s.id`);
  await session.run(`delete from ${raw} where id in (select id from merge_rows)`);
  await session.run(`insert into ${raw} (id, data, synced_at, deleted) select id, data, synced_at, deleted from merge_rows`);
  let absent = 0;
  if (options.completeReadStartedAt !== undefined) {
    absent = await session.run(
      `update ${raw} set deleted = true, synced_at = ?
       where not deleted
         and id not in (select id from merge_rows)
         and coalesce(try_cast(data->>'created' as bigint), 9223372036854775807) <= ?`,
      [options.syncedAt, options.completeReadStartedAt],
    );
  }
  await session.run('drop table merge_rows');
  await clearStaging(session, stream);
  return { new: counts?.new ?? 0, updated: counts?.updated ?? 0, deleted: (counts?.deleted ?? 0) + absent };
}

export async function rawRowCount(session: SqlSession, stream: string): Promise<number> {
  return (await session.one<{ n: number }>(`select count(*) as n from ${rawTable(stream)}`))?.n ?? 0;
}

/** The data we hold for ids of a stream (raw first, else staged), for deletions that should keep it. */
export async function knownObjects(session: SqlSession, stream: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await session.all<{ id: string }>(
    `select id from ${rawTable(stream)} where id in ${ID_LIST}
     union select id from ${stagingTable(stream)} where id in ${ID_LIST}`,
    [ids, ids],
  );
  return new Set(rows.map((row) => row.id));
}
