import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackfillSpool, loadChunks, spoolLine } from '../../extract/stripe/backfillSpool.js';
import { completeBackfillTable, dedupeBackfillTable, ensureStreamTables, mergeStaging, stagedCount, stageRows, type RawRow } from '../../extract/stripe/rawTables.js';
import { Warehouse } from '../../warehouse/warehouse.js';

let dir: string;
let warehouse: Warehouse;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-raw-'));
  warehouse = await Warehouse.open({ path: join(dir, 'w.duckdb') });
  await ensureStreamTables(warehouse, 'customers');
});
afterEach(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

const at = new Date('2026-03-01T00:00:00Z');
const customer = (id: string, fields: Record<string, unknown> = {}): RawRow => ({
  id,
  data: { id, object: 'customer', created: 1_700_000_000, email: `${id}@example.com`, ...fields },
  deleted: false,
  syncedAt: at,
});

/** A full read of customers as the backfill does it: each chunk spooled to disk, then loaded and deduplicated at its end. */
async function spoolFullRead(chunks: RawRow[][]): Promise<void> {
  const spool = BackfillSpool.forWarehouse(join(dir, 'w.duckdb'));
  await spool.reset('customers', 1_800_000_000);
  for (const chunk of chunks) await spool.writeChunk('customers', 1_800_000_000, chunk.map(spoolLine));
  await warehouse.transaction(async (tx) => {
    await loadChunks(tx, 'customers', spool.chunks('customers', 1_800_000_000));
    await dedupeBackfillTable(tx, 'customers');
  });
}

async function rows() {
  return warehouse.all<{ id: string; email: string | null; deleted: boolean }>(
    `select id, data->>'email' as email, deleted from raw_stripe.customers order by id`,
  );
}

describe('raw tables', () => {
  it('the migration created every raw and staging table in a fresh warehouse', async () => {
    const tables = await warehouse.all<{ s: string; t: string }>(
      `select table_schema as s, table_name as t from information_schema.tables where table_schema in ('raw_stripe', 'raw_stripe_staging') order by 1, 2`,
    );
    const raw = tables.filter((t) => t.s === 'raw_stripe').map((t) => t.t);
    expect(raw).toEqual(
      ['account', 'balance_transactions', 'charges', 'coupons', 'credit_notes', 'customers', 'disputes', 'events', 'invoiceitems', 'invoices', 'payment_methods', 'prices', 'products', 'refunds', 'subscriptions'],
    );
    expect(tables.filter((t) => t.s === 'raw_stripe_staging')).toHaveLength(15);
  });

  it('stages rows and merges them, counting new and updated; staging is emptied', async () => {
    await warehouse.transaction((tx) => stageRows(tx, 'customers', [customer('cus_a'), customer('cus_b')]));
    const first = await warehouse.transaction((tx) => mergeStaging(tx, 'customers', { syncedAt: at }));
    expect(first).toEqual({ new: 2, updated: 0, deleted: 0 });
    expect(await stagedCount(warehouse, 'customers')).toBe(0);

    await warehouse.transaction((tx) => stageRows(tx, 'customers', [customer('cus_b', { email: 'new@example.com' }), customer('cus_c')]));
    const second = await warehouse.transaction((tx) => mergeStaging(tx, 'customers', { syncedAt: at }));
    expect(second).toEqual({ new: 1, updated: 1, deleted: 0 });
    expect(await rows()).toEqual([
      { id: 'cus_a', email: 'cus_a@example.com', deleted: false },
      { id: 'cus_b', email: 'new@example.com', deleted: false },
      { id: 'cus_c', email: 'cus_c@example.com', deleted: false },
    ]);
  });

  it('re-staging an id replaces the staged version (a resumed window re-reads its cursor second)', async () => {
    await warehouse.transaction((tx) => stageRows(tx, 'customers', [customer('cus_a', { email: 'old@example.com' })]));
    await warehouse.transaction((tx) => stageRows(tx, 'customers', [customer('cus_a', { email: 'newer@example.com' })]));
    expect(await stagedCount(warehouse, 'customers')).toBe(1);
    // Within one call the later row for an id wins too.
    await warehouse.transaction((tx) => stageRows(tx, 'customers', [customer('cus_b', { email: '1' }), customer('cus_b', { email: '2' })]));
    expect(await stagedCount(warehouse, 'customers')).toBe(2);
    await warehouse.transaction((tx) => mergeStaging(tx, 'customers', { syncedAt: at }));
    expect(await rows()).toEqual([
      { id: 'cus_a', email: 'newer@example.com', deleted: false },
      { id: 'cus_b', email: '2', deleted: false },
    ]);
  });

  it('a staged deletion keeps the data we held; an object never held keeps the staged data', async () => {
    await warehouse.transaction((tx) => stageRows(tx, 'customers', [customer('cus_a', { name: 'Ada' })]));
    await warehouse.transaction((tx) => mergeStaging(tx, 'customers', { syncedAt: at }));
    const stub = (id: string): RawRow => ({ id, data: { id, object: 'customer', deleted: true }, deleted: true, syncedAt: at });
    await warehouse.transaction((tx) => stageRows(tx, 'customers', [stub('cus_a'), stub('cus_gone')]));
    const counts = await warehouse.transaction((tx) => mergeStaging(tx, 'customers', { syncedAt: at }));
    expect(counts).toEqual({ new: 0, updated: 0, deleted: 2 });
    const all = await warehouse.all<{ id: string; name: string | null; email: string | null; deleted: boolean }>(
      `select id, data->>'name' as name, data->>'email' as email, deleted from raw_stripe.customers order by id`,
    );
    expect(all).toEqual([
      { id: 'cus_a', name: 'Ada', email: 'cus_a@example.com', deleted: true },
      { id: 'cus_gone', name: null, email: null, deleted: true },
    ]);
  });

  it('after a complete read, objects created before it began and missing from it are marked deleted, keeping their data', async () => {
    await warehouse.transaction((tx) => stageRows(tx, 'customers', [customer('cus_a'), customer('cus_b'), customer('cus_late', { created: 1_800_000_100 })]));
    await warehouse.transaction((tx) => mergeStaging(tx, 'customers', { syncedAt: at }));
    // The complete read began at 1_800_000_000 and saw only cus_a: cus_b is gone, cus_late was created after it began.
    await warehouse.transaction((tx) => stageRows(tx, 'customers', [customer('cus_a')]));
    const counts = await warehouse.transaction((tx) => mergeStaging(tx, 'customers', { syncedAt: at, completeReadStartedAt: 1_800_000_000 }));
    expect(counts).toEqual({ new: 0, updated: 1, deleted: 1 });
    expect(await rows()).toEqual([
      { id: 'cus_a', email: 'cus_a@example.com', deleted: false },
      { id: 'cus_b', email: 'cus_b@example.com', deleted: true },
      { id: 'cus_late', email: 'cus_late@example.com', deleted: false },
    ]);
  });

  it('a merge rolled back with its transaction leaves raw and staging as they were', async () => {
    await warehouse.transaction((tx) => stageRows(tx, 'customers', [customer('cus_a')]));
    await expect(
      warehouse.transaction(async (tx) => {
        await mergeStaging(tx, 'customers', { syncedAt: at });
        throw new Error('killed');
      }),
    ).rejects.toThrow('killed');
    expect(await rows()).toEqual([]);
    expect(await stagedCount(warehouse, 'customers')).toBe(1);
  });

  it('never holds two rows for an id', async () => {
    for (let i = 0; i < 3; i++) {
      await warehouse.transaction((tx) => stageRows(tx, 'customers', [customer('cus_a', { n: i })]));
      await warehouse.transaction((tx) => mergeStaging(tx, 'customers', { syncedAt: at }));
    }
    const count = await warehouse.one<{ n: number; distinct_ids: number }>(`select count(*) as n, count(distinct id) as distinct_ids from raw_stripe.customers`);
    expect(count).toEqual({ n: 1, distinct_ids: 1 });
  });

  it('creates tables for a stream added to the registry later', async () => {
    await ensureStreamTables(warehouse, 'tax_rates');
    await warehouse.transaction((tx) => stageRows(tx, 'tax_rates', [{ id: 'txr_1', data: { id: 'txr_1', object: 'tax_rate' }, deleted: false, syncedAt: at }]));
    expect(await warehouse.transaction((tx) => mergeStaging(tx, 'tax_rates', { syncedAt: at }))).toEqual({ new: 1, updated: 0, deleted: 0 });
  });

  it('a first full read becomes the raw table: duplicates dropped, keyed by id, no bookkeeping column left', async () => {
    // A resumed window re-reads a second: cus_a again, newer, in a later chunk.
    await spoolFullRead([[customer('cus_a', { email: 'first@example.com' }), customer('cus_b')], [customer('cus_a', { email: 'again@example.com' })]]);
    const counts = await warehouse.transaction((tx) => completeBackfillTable(tx, 'customers', { syncedAt: at, completeReadStartedAt: 1_800_000_000 }));
    expect(counts).toEqual({ new: 2, updated: 0, deleted: 0 });
    expect(await rows()).toEqual([
      { id: 'cus_a', email: 'again@example.com', deleted: false },
      { id: 'cus_b', email: 'cus_b@example.com', deleted: false },
    ]);
    const columns = await warehouse.all<{ c: string }>(`select column_name as c from information_schema.columns where table_schema = 'raw_stripe' and table_name = 'customers' order by ordinal_position`);
    expect(columns.map((c) => c.c)).toEqual(['id', 'data', 'synced_at', 'deleted']);
    const tables = await warehouse.all<{ t: string }>(`select table_name as t from information_schema.tables where table_schema = 'raw_stripe' and table_name like '%backfill%'`);
    expect(tables).toEqual([]);
    await expect(warehouse.run(`insert into raw_stripe.customers values ('cus_a', '{}', now(), false)`)).rejects.toThrow(/[Dd]uplicate key/);
  });

  it('a later full read replaces the table, keeping what it did not find: deleted if it existed when the read began', async () => {
    await warehouse.transaction((tx) =>
      stageRows(tx, 'customers', [
        customer('cus_stays'),
        customer('cus_gone', { name: 'Gone' }),
        customer('cus_new_since', { created: 1_800_000_500 }),
        { ...customer('cus_deleted_before'), deleted: true },
      ]),
    );
    await warehouse.transaction((tx) => mergeStaging(tx, 'customers', { syncedAt: at }));
    const later = new Date('2026-04-01T00:00:00Z');
    await spoolFullRead([[customer('cus_stays', { email: 'changed@example.com' }), customer('cus_brand_new')]]);
    const counts = await warehouse.transaction((tx) => completeBackfillTable(tx, 'customers', { syncedAt: later, completeReadStartedAt: 1_800_000_000 }));
    expect(counts).toEqual({ new: 1, updated: 1, deleted: 1 });
    const all = await warehouse.all<{ id: string; name: string | null; email: string; deleted: boolean; synced_at: Date }>(
      `select id, data->>'name' as name, data->>'email' as email, deleted, synced_at from raw_stripe.customers order by id`,
    );
    expect(all.map(({ synced_at: _s, ...r }) => r)).toEqual([
      { id: 'cus_brand_new', name: null, email: 'cus_brand_new@example.com', deleted: false },
      { id: 'cus_deleted_before', name: null, email: 'cus_deleted_before@example.com', deleted: true },
      { id: 'cus_gone', name: 'Gone', email: 'cus_gone@example.com', deleted: true },
      { id: 'cus_new_since', name: null, email: 'cus_new_since@example.com', deleted: false },
      { id: 'cus_stays', name: null, email: 'changed@example.com', deleted: false },
    ]);
    // Only the row found gone gets the read's time; the others keep theirs.
    expect(all.find((r) => r.id === 'cus_gone')!.synced_at).toEqual(later);
    expect(all.find((r) => r.id === 'cus_new_since')!.synced_at).toEqual(at);
  });

  it('a chunk loaded twice (a run killed between the load and its removal) leaves one row per id', async () => {
    const spool = BackfillSpool.forWarehouse(join(dir, 'w.duckdb'));
    await spool.reset('customers', 1_800_000_000);
    await spool.writeChunk('customers', 1_800_000_000, [customer('cus_a'), customer('cus_b')].map(spoolLine));
    const chunks = spool.chunks('customers', 1_800_000_000);
    await warehouse.transaction((tx) => loadChunks(tx, 'customers', chunks));
    await warehouse.transaction((tx) => loadChunks(tx, 'customers', chunks));
    expect(await warehouse.all(`select count(*)::int as n from raw_stripe._backfill_customers`)).toEqual([{ n: 4 }]);
    await warehouse.transaction((tx) => dedupeBackfillTable(tx, 'customers'));
    const counts = await warehouse.transaction((tx) => completeBackfillTable(tx, 'customers', { syncedAt: at, completeReadStartedAt: 1_800_000_000 }));
    expect(counts).toEqual({ new: 2, updated: 0, deleted: 0 });
    expect((await rows()).map((row) => row.id)).toEqual(['cus_a', 'cus_b']);
  });

  it('spooled JSON reaches the table exactly, whatever its text holds: delimiters, quotes, escapes, a line over a megabyte', async () => {
    const awkward = {
      name: 'O"Brien, Ltd.; \t tab\\ back\u0001slash',
      note: 'line one\nline two\r\n"quoted", \u0001 control, émoji 👩‍💻, 日本',
      metadata: { 'key "with" quotes': '=cmd|x', empty: '' },
    };
    const long = 'x'.repeat(1_500_000);
    const rowsIn: RawRow[] = [
      { id: 'cus_awkward', data: { id: 'cus_awkward', object: 'customer', created: 1_700_000_000, ...awkward }, deleted: false, syncedAt: at },
      { id: 'cus_long', data: { id: 'cus_long', object: 'customer', created: 1_700_000_000, description: long }, deleted: false, syncedAt: at },
      // Stripe's own pretty-printed text, as a listed page delivers it (bytes, not an object).
      { id: 'cus_bytes', data: Buffer.from('{"id": "cus_bytes", "object": "customer", "created": 1700000000, "name": "tab\\\\there", "deleted_at": null}') as never, deleted: true, syncedAt: at },
    ];
    await spoolFullRead([rowsIn.slice(0, 2), rowsIn.slice(2)]);
    await warehouse.transaction((tx) => completeBackfillTable(tx, 'customers', { syncedAt: at }));
    const stored = await warehouse.all<{ id: string; data: string; deleted: boolean; synced_at: string }>(
      `select id, data::varchar as data, deleted, strftime(synced_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ') as synced_at from raw_stripe.customers order by id`,
    );
    expect(stored.map((row) => [row.id, row.deleted, row.synced_at])).toEqual([
      ['cus_awkward', false, '2026-03-01T00:00:00Z'],
      ['cus_bytes', true, '2026-03-01T00:00:00Z'],
      ['cus_long', false, '2026-03-01T00:00:00Z'],
    ]);
    expect(JSON.parse(stored[0]!.data)).toEqual({ id: 'cus_awkward', object: 'customer', created: 1_700_000_000, ...awkward });
    expect(JSON.parse(stored[1]!.data)).toEqual({ id: 'cus_bytes', object: 'customer', created: 1_700_000_000, name: 'tab\\there', deleted_at: null });
    expect((JSON.parse(stored[2]!.data) as { description: string }).description).toHaveLength(1_500_000);
  });
});
