import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { estimateRemaining } from '../../extract/stripe/backfill.js';
import { finishRun, startRun } from '../../extract/stripe/runs.js';
import {
  completeBackfill,
  planBackfill,
  planWindowRanges,
  readSyncStates,
  readWindows,
  recordWindowPage,
  splitWindow,
  type BackfillWindow,
} from '../../extract/stripe/state.js';
import { Warehouse } from '../../warehouse/warehouse.js';

let dir: string;
let warehouse: Warehouse;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-state-'));
  warehouse = await Warehouse.open({ path: join(dir, 'w.duckdb') });
});
afterEach(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('window planning', () => {
  it('covers the range without gaps or overlaps, the first window reaching down to 0', () => {
    expect(planWindowRanges(1000, 1799, 4)).toEqual([
      { lo: 0, hi: 1199 },
      { lo: 1200, hi: 1399 },
      { lo: 1400, hi: 1599 },
      { lo: 1600, hi: 1799 },
    ]);
    expect(planWindowRanges(1000, 1799, 4, { openStart: false })[0]).toEqual({ lo: 1000, hi: 1199 });
  });

  it('never makes more windows than seconds, nor an empty one', () => {
    expect(planWindowRanges(10, 12, 8, { openStart: false })).toEqual([
      { lo: 10, hi: 10 },
      { lo: 11, hi: 11 },
      { lo: 12, hi: 12 },
    ]);
    expect(planWindowRanges(5, 5, 8)).toEqual([{ lo: 0, hi: 5 }]);
  });

  it('estimates what is left of a window from the density read so far', () => {
    const window: BackfillWindow = { stream: 's', lo: 0, hi: 999, cursor: 899, done: false, pages: 1, objects: 100 };
    // 100 objects over the 101 seconds read, 899 seconds left.
    expect(Math.round(estimateRemaining(window))).toBe(890);
    expect(estimateRemaining({ ...window, cursor: null })).toBe(0);
    expect(estimateRemaining({ ...window, done: true })).toBe(0);
    expect(estimateRemaining({ ...window, cursor: 1 })).toBe(0);
  });
});

describe('sync state', () => {
  it('persists windows, their cursors and a split, and completes the backfill', async () => {
    const windows = await warehouse.transaction((tx) =>
      planBackfill(tx.db, 'invoices', { t0: 2000, ranges: [{ lo: 0, hi: 999 }, { lo: 1000, hi: 2000 }], runId: 'r1' }),
    );
    expect(windows.map((w) => w.lo)).toEqual([1000, 0]);
    const top = windows[0]!;
    top.cursor = 1800;
    top.pages = 1;
    top.objects = 100;
    await warehouse.transaction((tx) => recordWindowPage(tx.db, top));
    const lower = await warehouse.transaction(async (tx) => {
      const created = await splitWindow(tx.db, top, 1400);
      top.lo = 1401;
      return created;
    });
    expect(lower).toEqual({ stream: 'invoices', lo: 1000, hi: 1400, cursor: null, done: false, pages: 0, objects: 0 });
    top.done = true;
    await warehouse.transaction((tx) => recordWindowPage(tx.db, top));
    expect(await readWindows(warehouse.db, 'invoices')).toEqual([
      { stream: 'invoices', lo: 1401, hi: 2000, cursor: 1800, done: true, pages: 1, objects: 100 },
      { stream: 'invoices', lo: 1000, hi: 1400, cursor: null, done: false, pages: 0, objects: 0 },
      { stream: 'invoices', lo: 0, hi: 999, cursor: null, done: false, pages: 0, objects: 0 },
    ]);
    let state = (await readSyncStates(warehouse.db)).get('invoices');
    expect(state).toMatchObject({ phase: 'backfill', backfill_started_at: 2000, events_cursor: null, last_run_id: 'r1' });

    const succeededAt = new Date('2026-01-01T00:00:00Z');
    await warehouse.transaction((tx) => completeBackfill(tx.db, 'invoices', { completedAt: 2100, cursor: 2000, runId: 'r1', objectCount: 100, succeededAt }));
    state = (await readSyncStates(warehouse.db)).get('invoices');
    expect(state).toMatchObject({ phase: 'incremental', backfill_started_at: 2000, backfill_completed_at: 2100, events_cursor: 2000, object_count: 100 });
    expect(state!.last_success_at).toEqual(succeededAt);
    expect(await readWindows(warehouse.db, 'invoices')).toEqual([]);
  });

  it('records runs and marks a run whose process is gone as interrupted', async () => {
    await warehouse.db
      .insertInto('meta.runs')
      .values({ run_id: 'dead', command: 'extract stripe', started_at: new Date(), ended_at: null, status: 'running', counts: null, error: null, pid: 2 ** 22 + 12345 })
      .execute();
    const runId = await startRun(warehouse.db);
    await finishRun(warehouse.db, runId, { status: 'succeeded', counts: { customers: { new: 3 } } });
    const runs = await warehouse.db.selectFrom('meta.runs').selectAll().orderBy('started_at').execute();
    const byId = new Map(runs.map((run) => [run.run_id, run]));
    expect(byId.get('dead')!.status).toBe('interrupted');
    expect(byId.get(runId)).toMatchObject({ command: 'extract stripe', status: 'succeeded', pid: process.pid, error: null });
    expect(JSON.parse(String(byId.get(runId)!.counts))).toEqual({ customers: { new: 3 } });
    expect(byId.get(runId)!.ended_at).toBeInstanceOf(Date);
  });
});
