import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoServer } from '../../demo/server/startDemoServer.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { cliEnv, demoAccount, rawSnapshot, runCli, startCli, startDemo, tempDir, type CliResult } from './support.js';

/**
 * kill -9 at random moments of a backfill, then a run to the end: the raw
 * tables must equal an uninterrupted run's (ids, data and deleted flags).
 */
let server: DemoServer;
const temp = tempDir('tributary-resume-');
const referencePath = `${temp.dir}/reference.duckdb`;
const interruptedPath = `${temp.dir}/interrupted.duckdb`;
// Slow enough that a run lasts seconds: 25 requests/s against a server adding 10 ms per answer.
const args = ['extract', 'stripe', '--rate', '25'];
const kills: { afterMs: number; result: CliResult }[] = [];
let final: CliResult;

beforeAll(async () => {
  server = await startDemo(demoAccount(150, 42), { latencyMs: 10 });
  // The reference run, timed from its first line of output (the extract under way) to its end.
  const reference = startCli(args, { env: cliEnv(server, referencePath), cwd: temp.dir });
  const referenceStarted = await reference.firstOutput;
  const referenceResult = await reference.done;
  if (referenceResult.code !== 0) throw new Error(`the reference run failed: ${referenceResult.stderr}`);
  const workMs = Date.now() - referenceStarted;
  for (let i = 0; i < 5; i++) {
    // A random moment within the next fifth of the work, so that five kills land before the backfill ends.
    const afterMs = Math.round((workMs / 5) * Math.random());
    const { child, done, firstOutput } = startCli(args, { env: cliEnv(server, interruptedPath), cwd: temp.dir });
    await firstOutput;
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    const result = await done;
    clearTimeout(timer);
    kills.push({ afterMs, result });
  }
  final = await runCli(args, { env: cliEnv(server, interruptedPath), cwd: temp.dir });
}, 600_000);
afterAll(async () => {
  await server?.close();
  temp.cleanup();
});

describe('kill -9 during a backfill, then resume', () => {
  it('the runs were killed mid-way, and the last one finished', () => {
    const described = kills.map((k) => `${k.afterMs} ms: ${k.result.signal ?? k.result.code}`).join(', ');
    expect(kills.filter((k) => k.result.signal === 'SIGKILL').length, described).toBeGreaterThanOrEqual(4);
    expect(final.code, final.stderr).toBe(0);
  });

  it('leaves raw tables equal to an uninterrupted run\'s', async () => {
    const expected = await rawSnapshot(referencePath);
    const actual = await rawSnapshot(interruptedPath);
    for (const [stream, rows] of Object.entries(expected)) {
      expect(actual[stream]!.size, stream).toBe(rows.size);
      expect([...actual[stream]!.entries()], stream).toEqual([...rows.entries()]);
    }
    expect(expected['charges']!.size).toBe(server.account.counts()['charges']);
  });

  it('left no window, staged row or duplicate behind', async () => {
    const warehouse = await Warehouse.open({ path: interruptedPath });
    try {
      expect(await warehouse.all(`select count(*)::int as n from meta.sync_windows`)).toEqual([{ n: 0 }]);
      expect(await warehouse.all(`select table_name from information_schema.tables where table_schema = 'raw_stripe' and table_name like '\\_backfill%' escape '\\'`)).toEqual([]);
      // The pages spooled beside the warehouse by the killed runs are gone with their full reads; the noted customer ids were checked.
      expect(existsSync(interruptedPath.replace(/\.duckdb$/, '.backfill')) ? readdirSync(interruptedPath.replace(/\.duckdb$/, '.backfill')) : []).toEqual([]);
      expect(await warehouse.all(`select count(*)::int as n from meta.stripe_customer_refs`)).toEqual([{ n: 0 }]);
      for (const stream of ['customers', 'invoices', 'charges', 'events']) {
        expect(await warehouse.all(`select count(*)::int as n from raw_stripe_staging.${stream}`), stream).toEqual([{ n: 0 }]);
        expect(await warehouse.all(`select (count(*) - count(distinct id))::int as n from raw_stripe.${stream}`), stream).toEqual([{ n: 0 }]);
      }
      const runs = await warehouse.all<{ status: string }>(`select status from meta.runs order by started_at`);
      // Killed runs are found dead by the next run and marked interrupted (a run killed before it wrote its row left none).
      const statuses = runs.map((r) => r.status);
      expect(statuses.at(-1)).toBe('succeeded');
      expect(statuses.filter((s) => s === 'interrupted').length).toBeGreaterThanOrEqual(3);
      expect(statuses.filter((s) => s === 'interrupted').length).toBeLessThanOrEqual(kills.filter((k) => k.result.signal === 'SIGKILL').length);
      expect(statuses.filter((s) => s !== 'interrupted' && s !== 'succeeded')).toEqual([]);
      // Some run after the first picked up where a killed one stopped (the last killed run may itself have finished the read).
      const later = [...kills.slice(1).map((k) => k.result.stdout), final.stdout].join('\n');
      expect(later.match(/resuming an unfinished full read/g) ?? []).not.toEqual([]);
    } finally {
      await warehouse.close();
    }
  });
});
