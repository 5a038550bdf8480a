import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeStaging, stagedCount } from '../../extract/stripe/rawTables.js';
import { BackfillSpool, spoolLine } from '../../extract/stripe/backfillSpool.js';
import { StagingWriter } from '../../extract/stripe/stagingWriter.js';
import { planBackfill, readWindows } from '../../extract/stripe/state.js';
import { Warehouse } from '../../warehouse/warehouse.js';

let dir: string;
let warehouse: Warehouse;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-writer-'));
  warehouse = await Warehouse.open({ path: join(dir, 'w.duckdb') });
});
afterEach(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

const at = new Date('2026-02-01T00:00:00Z');
const row = (id: string, n = 0) => ({ stream: 'charges', row: { id, data: { id, object: 'charge', n }, deleted: false, syncedAt: at } });

describe('staging writer', () => {
  it('commits pages written while a commit runs together, with each window at its latest cursor', async () => {
    const [window] = await warehouse.transaction((tx) => planBackfill(tx.db, 'charges', { t0: 1000, ranges: [{ lo: 0, hi: 1000 }], runId: 'r' }));
    const writer = new StagingWriter(warehouse);
    const writes = Array.from({ length: 20 }, (_, page) =>
      writer.write({ rows: [row(`ch_${page}a`), row(`ch_${page}b`)], window: { target: window!, cursor: 1000 - page, done: page === 19, pages: page + 1, objects: 2 * (page + 1) } }).committed,
    );
    await Promise.all(writes);
    // The first page commits alone; the 19 written meanwhile follow at most 16 to a commit: 1 + 16 + 3.
    expect(writer.commits).toBe(3);
    expect(await stagedCount(warehouse, 'charges')).toBe(40);
    expect(await readWindows(warehouse.db, 'charges')).toEqual([{ stream: 'charges', lo: 0, hi: 1000, cursor: 981, done: true, pages: 20, objects: 40 }]);
  });

  it('keeps the latest version of an id written twice', async () => {
    const writer = new StagingWriter(warehouse);
    await writer.write({ rows: [row('ch_1', 1)] }).committed;
    await writer.write({ rows: [row('ch_1', 2)] }).committed;
    await warehouse.transaction((tx) => mergeStaging(tx, 'charges', { syncedAt: at }));
    expect(await warehouse.all(`select id, (data->>'n')::int as n from raw_stripe.charges`)).toEqual([{ id: 'ch_1', n: 2 }]);
  });

  it('fails every waiting page when a commit fails, and refuses later ones', async () => {
    const writer = new StagingWriter(warehouse);
    const bad = writer.write({ rows: [{ stream: 'no_such_stream', row: row('x').row }] }).committed;
    const queued = writer.write({ rows: [row('ch_2')] }).committed;
    await expect(bad).rejects.toThrow();
    await expect(queued).rejects.toThrow();
    await expect(writer.write({ rows: [row('ch_3')] }).committed).rejects.toThrow();
    await expect(writer.flush()).rejects.toThrow();
    expect(await stagedCount(warehouse, 'charges')).toBe(0);
  });

  it("stores a full read's lines on disk before the transaction that moves its window's cursor", async () => {
    const [window] = await warehouse.transaction((tx) => planBackfill(tx.db, 'charges', { t0: 1000, ranges: [{ lo: 0, hi: 1000 }], runId: 'r' }));
    const spool = BackfillSpool.forWarehouse(join(dir, 'w.duckdb'));
    await spool.reset('charges', 1000);
    const writer = new StagingWriter(warehouse, spool);
    const lines = [spoolLine(row('ch_1').row), spoolLine(row('ch_2').row)];
    const pending = writer.write({ rows: [], spooled: { stream: 'charges', t0: 1000, lines }, window: { target: window!, cursor: 900, done: false, pages: 1, objects: 2 } });
    await pending.stored;
    const { files } = spool.chunks('charges', 1000);
    expect(files.flatMap((file) => readFileSync(file, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { id: string }).id))).toEqual(['ch_1', 'ch_2']);
    await pending.committed;
    expect((await readWindows(warehouse.db, 'charges'))[0]!.cursor).toBe(900);
    // Nothing is staged in DuckDB for them: the spool is where a full read's rows wait.
    expect(await stagedCount(warehouse, 'charges')).toBe(0);
  });

  it('a page whose lines cannot be stored fails, and its cursor does not move', async () => {
    const [window] = await warehouse.transaction((tx) => planBackfill(tx.db, 'charges', { t0: 1000, ranges: [{ lo: 0, hi: 1000 }], runId: 'r' }));
    const spool = BackfillSpool.forWarehouse(join(dir, 'w.duckdb'));
    // No reset: the full read's directory does not exist.
    const writer = new StagingWriter(warehouse, spool);
    const pending = writer.write({ rows: [], spooled: { stream: 'charges', t0: 1000, lines: [spoolLine(row('ch_1').row)] }, window: { target: window!, cursor: 900, done: false, pages: 1, objects: 1 } });
    await expect(pending.stored).rejects.toThrow(/ENOENT/);
    await expect(pending.committed).rejects.toThrow(/ENOENT/);
    expect((await readWindows(warehouse.db, 'charges'))[0]!.cursor).toBeNull();
  });
});
