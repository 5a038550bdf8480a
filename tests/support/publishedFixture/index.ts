import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { quoteIdentifier, quoteLiteral } from '../../../warehouse/bulkLoad.js';
import { simulateAccount, type FixtureRows, type Row } from './simulate.js';
import { fixtureTables, type FixtureTable } from './tables.js';

/**
 * Writes a development stand-in for the published copy
 * (`<warehouse>.published.duckdb`): exactly the marts and meta tables the
 * reports read, with a plausible simulated account. Used by the reports'
 * browser tests and benchmark until the real pipeline (`tributary refresh
 * --demo`) produces the file.
 */
export interface PublishedFixtureOptions {
  readonly path: string;
  readonly customers: number;
  readonly seed?: number;
  /** "Now" of the simulated account; the current month is its month. */
  readonly now?: Date;
  /** Months of history, the current one included. */
  readonly months?: number;
  /** false: an account with no CRM imported, to show the empty states. */
  readonly crm?: boolean;
}

export interface PublishedFixture {
  readonly path: string;
  readonly bytes: number;
  readonly rows: Record<string, number>;
  readonly seconds: number;
}

export async function writePublishedFixture(options: PublishedFixtureOptions): Promise<PublishedFixture> {
  const started = performance.now();
  const now = options.now ?? new Date();
  const rows = simulateAccount({
    customers: options.customers,
    seed: options.seed ?? 42,
    now,
    months: options.months ?? 24,
    crm: options.crm ?? true,
  });
  addMetaRows(rows, now, options.crm ?? true);

  mkdirSync(dirname(options.path), { recursive: true });
  // Written beside the target and renamed into place, like the real publish step.
  const temporary = `${options.path}.tmp-${process.pid}`;
  rmSync(temporary, { force: true });
  const scratch = `${temporary}.ndjson`;
  const instance = await DuckDBInstance.create(temporary, { autoinstall_known_extensions: 'false', autoload_known_extensions: 'true' });
  const connection = await instance.connect();
  const counts: Record<string, number> = {};
  try {
    await connection.run('create schema marts; create schema meta;');
    for (const table of fixtureTables) {
      const qualified = `${table.schema}.${table.name}`;
      const tableRows = rows[qualified] ?? [];
      counts[qualified] = tableRows.length;
      await connection.run(`create table ${qualified} (${table.columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}`).join(', ')})`);
      if (tableRows.length === 0) continue;
      writeFileSync(scratch, tableRows.map((row) => JSON.stringify(orderRow(table, row))).join('\n'));
      const columns = table.columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type)}`).join(', ');
      await connection.run(`insert into ${qualified} select * from read_json(${quoteLiteral(scratch)}, format = 'newline_delimited', columns = {${columns}})`);
    }
    await connection.run('checkpoint');
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(scratch, { force: true });
  }
  renameSync(temporary, options.path);
  rmSync(`${temporary}.wal`, { force: true });
  return { path: options.path, bytes: statSync(options.path).size, rows: counts, seconds: (performance.now() - started) / 1000 };
}

function orderRow(table: FixtureTable, row: Row): Row {
  const ordered: Row = {};
  for (const column of table.columns) ordered[column.name] = row[column.name] ?? null;
  return ordered;
}

/** Run history, sync state, the last build and the model docs, shaped like the runner writes them. */
function addMetaRows(rows: FixtureRows, now: Date, crm: boolean): void {
  const DAY = 86_400_000;
  const today3am = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 3);
  const lastRefresh = today3am > now.getTime() ? today3am - DAY : today3am;
  const runs: Row[] = [];
  for (let d = 13; d >= 0; d--) {
    const started = lastRefresh - d * DAY;
    const failed = d === 4;
    runs.push({
      run_id: `run_${String(14 - d).padStart(4, '0')}`,
      command: 'refresh',
      started_at: new Date(started).toISOString(),
      ended_at: new Date(started + (failed ? 41_000 : 95_000)).toISOString(),
      status: failed ? 'failed' : 'ok',
      counts: failed ? { customers: 12 } : { customers: rows['marts.customers']?.length ?? 0, invoices: rows['marts.invoices']?.length ?? 0 },
      error: failed ? 'Stripe answered 500 for GET /v1/invoices after 5 retries; the next run continues where this one stopped.' : null,
      pid: 4000 + d,
    });
  }
  if (crm) {
    runs.push({
      run_id: 'run_import_0001',
      command: 'import crm',
      started_at: new Date(lastRefresh - 10 * DAY + 3_600_000).toISOString(),
      ended_at: new Date(lastRefresh - 10 * DAY + 3_640_000).toISOString(),
      status: 'ok',
      counts: { rows: rows['marts.identity_matches']?.length ?? 0, issues: 3 },
      error: null,
      pid: 3999,
    });
  }
  rows['meta.runs'] = runs;

  const lastRun = runs.filter((r) => r['command'] === 'refresh').at(-1)!;
  const streamCounts: Record<string, number> = {
    customers: rows['marts.customers']?.filter((c) => (c['stripe_customer_ids'] as string[]).length > 0).length ?? 0,
    subscriptions: rows['marts.subscriptions']?.length ?? 0,
    invoices: rows['marts.invoices']?.length ?? 0,
    charges: rows['marts.payments']?.length ?? 0,
    balance_transactions: rows['marts.payments']?.filter((p) => p['status'] === 'succeeded').length ?? 0,
    prices: 16,
    products: 5,
    coupons: 3,
    refunds: rows['marts.payments']?.filter((p) => Number(p['amount_refunded']) > 0).length ?? 0,
    disputes: rows['marts.payments']?.filter((p) => p['disputed'] === true).length ?? 0,
    payment_methods: rows['marts.customers']?.length ?? 0,
  };
  rows['meta.sync_state'] = Object.entries(streamCounts).map(([stream, count]) => ({
    stream,
    phase: 'incremental',
    backfill_started_at: Math.floor((lastRefresh - 13 * DAY) / 1000),
    backfill_completed_at: Math.floor((lastRefresh - 13 * DAY + 600_000) / 1000),
    events_cursor: Math.floor(lastRefresh / 1000),
    last_success_at: new Date(Date.parse(lastRun['started_at'] as string) + 60_000).toISOString(),
    last_run_id: lastRun['run_id'],
    object_count: count,
  }));

  const marts = fixtureTables.filter((t) => t.schema === 'marts');
  rows['meta.model_builds'] = marts.map((table, i) => ({
    run_id: lastRun['run_id'],
    model: table.name,
    schema: 'marts',
    materialized: 'table',
    rows: rows[`marts.${table.name}`]?.length ?? 0,
    seconds: 0.05 + ((i * 37) % 11) / 10,
    status: 'ok',
    error: null,
  }));
  rows['meta.model_docs'] = marts.map((table) => ({
    model: table.name,
    schema: 'marts',
    layer: 'marts',
    description: table.description,
    materialized: 'table',
    file: `models/marts/${table.name}.sql`,
  }));
  rows['meta.column_docs'] = marts.flatMap((table) =>
    table.columns.map((column, position) => ({
      model: table.name,
      column: column.name,
      position: position + 1,
      data_type: column.type,
      description: column.description,
    })),
  );
}
