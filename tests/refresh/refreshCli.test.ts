import { cpSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoAccount } from '../../demo/generate/generateDemoAccount.js';
import { startDemoServer } from '../../demo/server/startDemoServer.js';
import { reportsWorkDirFor } from '../../refresh/reportsStep.js';
import { publishedPathFor } from '../../warehouse/publish.js';
import { lockPathFor, readLockHolder } from '../../warehouse/writerLock.js';
import { queryPublished, queryWarehouse, REPO, removeTempDirs, runCli, spawnCli, tempDir, TEST_KEY } from './support.js';

/**
 * `tributary refresh` as a process, on one warehouse through a sequence of
 * runs: a good one (June), then runs a month later that fail at each step or
 * are killed, each leaving readers on June; then two at once. The demo
 * account is pinned in time (TRIBUTARY_NOW), so "the marts of June" and "of
 * July" are told apart by their last month.
 */
const JUNE = { TRIBUTARY_NOW: '2026-06-15T12:00:00Z' };
const JULY = { TRIBUTARY_NOW: '2026-07-20T12:00:00Z' };
const DEMO = ['refresh', '--demo', '--demo-customers', '20'];

let dir: string;
let warehouse: string;
let env: Record<string, string>;

beforeAll(() => {
  dir = tempDir('tributary-refresh-cli-');
  warehouse = join(dir, 'w.duckdb');
  env = { TRIBUTARY_DB: warehouse };
});

afterAll(() => {
  rmSync(reportsWorkDirFor(warehouse), { recursive: true, force: true });
  removeTempDirs();
});

async function lastMonth(where: 'published' | 'warehouse'): Promise<string> {
  const sql = `select strftime(max(month), '%Y-%m') as month from marts.mrr_monthly`;
  const [row] = where === 'published' ? await queryPublished<{ month: string }>(warehouse, sql) : await queryWarehouse<{ month: string }>(warehouse, sql);
  return row!.month;
}

/** A copy of the project with one more file (a model or a data test), for runs that need a build to fail or to last. */
function projectWith(name: string, file: string, sql: string): string {
  const project = join(dir, name);
  mkdirSync(project);
  for (const part of ['models', 'seeds', 'tributary.yml']) cpSync(join(REPO, part), join(project, part), { recursive: true });
  writeFileSync(join(project, file), sql);
  return project;
}

const SLOW_MODEL = 'models/intermediate/int_refresh_test_slow.sql';

/** A model that keeps the build busy for a while: DuckDB sums `rows` integers (about a billion a second here). */
function slowModelSql(rows: number): string {
  return `select sum(i) as total from range(${rows}) as t(i)\n`;
}

function publishedIdentity(): string {
  const stats = statSync(publishedPathFor(warehouse));
  return `${stats.ino}:${stats.mtimeMs}:${stats.size}`;
}

describe('tributary refresh', () => {
  it('without a key or --demo exits 2 saying what to do', async () => {
    const result = await runCli(['refresh'], env);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'error: No Stripe key is set: set STRIPE_API_KEY (a restricted read-only key is recommended) to refresh from your account, or run `tributary refresh --demo` to load the built-in demo account.\n',
    );
    expect(existsSync(warehouse)).toBe(false);
  });

  it('--demo extracts, builds, publishes under one run id with each step recorded, and says it is the demo account', async () => {
    const result = await runCli([...DEMO, '--no-reports'], { ...env, ...JUNE });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Using the built-in DEMO account: 20 generated customers \(seed 42\)/);
    expect(result.stdout).toContain('These are not your numbers');
    expect(result.stdout).toMatch(/\[1\/3\] extract: /);
    expect(result.stdout).toMatch(/\[2\/3\] build: /);
    expect(result.stdout).toMatch(/\[3\/3\] publish: /);
    const runId = /Refresh ([0-9a-f-]{36}) finished/.exec(result.stdout)![1]!;
    expect(await lastMonth('published')).toBe('2026-06');

    const [run] = await queryWarehouse<{ status: string; trigger: string; source: string; error: string | null }>(
      warehouse,
      `select status, counts->>'trigger' as trigger, counts->>'source' as source, error from meta.runs where run_id = '${runId}' and command = 'refresh'`,
    );
    expect(run).toEqual({ status: 'succeeded', trigger: 'manual', source: 'demo', error: null });
    const steps = await queryWarehouse<{ step: string; position: number; status: string; command: string | null; step_status: string | null; seconds: number }>(
      warehouse,
      `select s.step, s.position, s.status, r.command, r.status as step_status, s.seconds
       from meta.refresh_steps s left join meta.runs r on r.run_id = s.step_run_id where s.run_id = '${runId}' order by s.position`,
    );
    expect(steps.map(({ seconds: _seconds, ...rest }) => rest)).toEqual([
      { step: 'extract', position: 1, status: 'ok', command: 'extract stripe', step_status: 'succeeded' },
      { step: 'build', position: 2, status: 'ok', command: 'build', step_status: 'ok' },
      { step: 'publish', position: 3, status: 'ok', command: null, step_status: null },
    ]);
    expect(steps.every((step) => step.seconds >= 0)).toBe(true);
    // On a fresh warehouse every object the extract read is new: the step's count is the raw tables' rows.
    const [extract] = await queryWarehouse<{ new: number; raw: number }>(
      warehouse,
      `select (counts->>'new')::integer as new,
        (select sum(estimated_size)::integer from duckdb_tables() where schema_name = 'raw_stripe') as raw
       from meta.refresh_steps where run_id = '${runId}' and step = 'extract'`,
    );
    expect(extract!.new).toBe(extract!.raw);
    // The published copy carries the run as finished, with its extract and build steps.
    expect(await queryPublished(warehouse, `select step from meta.refresh_steps where run_id = '${runId}' order by position`)).toEqual([{ step: 'extract' }, { step: 'build' }]);
    expect(existsSync(lockPathFor(warehouse))).toBe(false);
  });

  it('fails at build naming the step and the failing test, and leaves the marts and the published copy of the last good run', async () => {
    const project = projectWith('failing-test', 'models/tests/assert_refresh_test_always_fails.sql', 'select 1 as failing_row\n');
    const before = publishedIdentity();

    const result = await runCli([...DEMO, '--no-reports'], { ...env, ...JULY }, project);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: refresh failed at build: 1 data test failed \(.*assert_refresh_test_always_fails.*\); the build was rolled back and the previous tables are unchanged\.\n$/);
    expect(publishedIdentity()).toBe(before);
    expect(await lastMonth('published')).toBe('2026-06');
    expect(await lastMonth('warehouse')).toBe('2026-06');
    const [run] = await queryWarehouse<{ status: string; error: string }>(warehouse, `select status, error from meta.runs where command = 'refresh' order by started_at desc limit 1`);
    expect(run!.status).toBe('failed');
    expect(run!.error).toMatch(/^refresh failed at build: 1 data test failed/);
    const steps = await queryWarehouse<{ step: string; status: string }>(
      warehouse,
      `select step, status from meta.refresh_steps where run_id = (select run_id from meta.runs where command = 'refresh' order by started_at desc limit 1) order by position`,
    );
    expect(steps).toEqual([
      { step: 'extract', status: 'ok' },
      { step: 'build', status: 'failed' },
    ]);
  });

  it('killed with -9 during the build keeps the old marts in the warehouse and the published copy; the next run takes over its lock', async () => {
    // A project whose build holds one model for minutes, so the kill lands inside the build however fast
    // the machine is (the real models of 20 customers build in well under a second).
    const project = projectWith('endless-build', SLOW_MODEL, slowModelSql(100_000_000_000));
    const before = publishedIdentity();
    const refresh = spawnCli([...DEMO, '--no-reports'], { ...env, ...JULY }, project);
    await refresh.waitFor(/^\[2\/3\] build: /, 180_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    refresh.kill('SIGKILL');
    const killed = await refresh.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).not.toMatch(/\[3\/3\] publish/);

    expect(readLockHolder(lockPathFor(warehouse))!.pid).toBe(refresh.pid);
    expect(publishedIdentity()).toBe(before);
    expect(await lastMonth('published')).toBe('2026-06');
    expect(await lastMonth('warehouse')).toBe('2026-06');
    // The build had started (its run row says so) and never finished.
    const [build] = await queryWarehouse<{ status: string; pid: number }>(warehouse, `select status, pid from meta.runs where command = 'build' order by started_at desc limit 1`);
    expect(build).toEqual({ status: 'running', pid: refresh.pid });

    // The reports step fails next (its work directory is held by a live process): the refresh
    // fails there, and the copy it had published is put back.
    const workDir = reportsWorkDirFor(warehouse);
    mkdirSync(workDir, { recursive: true });
    writeFileSync(join(workDir, '.lock'), String(process.pid));
    const result = await runCli(DEMO, { ...env, ...JULY });
    rmSync(join(workDir, '.lock'), { force: true });
    expect(result.stderr).toBe(`error: refresh failed at reports: Another reports build or dev server (pid ${process.pid}) is using ${workDir}; wait for it to finish or stop it.\n`);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/\[3\/4\] publish: .*\n.*publish: \d+ tables/);
    expect(publishedIdentity()).toBe(before);
    expect(await lastMonth('published')).toBe('2026-06');
    // The warehouse itself has July: the build committed before the reports failed.
    expect(await lastMonth('warehouse')).toBe('2026-07');
    const runs = await queryWarehouse<{ status: string; error: string | null }>(warehouse, `select status, error from meta.runs where command = 'refresh' order by started_at desc limit 2`);
    expect(runs[0]!.status).toBe('failed');
    expect(runs[0]!.error).toMatch(/^refresh failed at reports: /);
    // The killed refresh, found dead by the next one.
    expect(runs[1]!.status).toBe('interrupted');
    expect(existsSync(publishedPathFor(warehouse).replace(/\.duckdb$/, '.last-good.duckdb'))).toBe(false);
  });

  it('runs one at a time: a second refresh waits, or gives up after --wait naming the run that holds the warehouse', async () => {
    // The first run's build takes seconds (a slow model), so the others surely find it holding the lock.
    const first = spawnCli([...DEMO, '--no-reports'], { ...env, ...JULY }, projectWith('slow-build', SLOW_MODEL, slowModelSql(3_000_000_000)));
    await first.waitFor(/^\[1\/3\] extract: /, 180_000);
    const waiting = spawnCli([...DEMO, '--no-reports', '--wait', '600'], { ...env, ...JULY });
    const gaveUp = await runCli([...DEMO, '--no-reports', '--wait', '1'], { ...env, ...JULY });
    const [firstResult, waitedResult] = await Promise.all([first.done, waiting.done]);

    expect(gaveUp.status).toBe(1);
    expect(gaveUp.stderr).toMatch(
      new RegExp(`^error: another run \\(pid ${first.pid}, started \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\) holds the warehouse ${warehouse.replace(/[.]/g, '\\.')} \\(refresh --demo\\); gave up after waiting 1 s: try again when it has finished\\.\\n$`),
    );
    expect(firstResult.status).toBe(0);
    expect(waitedResult.stderr).toBe('');
    expect(waitedResult.status).toBe(0);
    expect(waitedResult.stdout).toMatch(new RegExp(`^Waiting for another run to finish \\(pid ${first.pid}, refresh --demo, started .*\\); giving up after 600 s\\.\\.\\.$`, 'm'));
    const runs = await queryWarehouse<{ started_at: Date; ended_at: Date; status: string }>(warehouse, `select started_at, ended_at, status from meta.runs where command = 'refresh' order by started_at desc limit 2`);
    expect(runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded']);
    expect(runs[0]!.started_at.getTime()).toBeGreaterThanOrEqual(runs[1]!.ended_at.getTime());
    expect(await lastMonth('published')).toBe('2026-07');
  });

  it('refuses to mix the demo account into a warehouse of another account, and fails at extract with a key the API refuses', async () => {
    const other = join(tempDir('tributary-refresh-other-'), 'w.duckdb');
    const server = await startDemoServer({ account: generateDemoAccount({ customers: 10, seed: 7, now: JUNE.TRIBUTARY_NOW }) });
    try {
      const own = await runCli(['refresh', '--no-reports'], { TRIBUTARY_DB: other, STRIPE_API_KEY: TEST_KEY, STRIPE_API_BASE: server.url, ...JUNE });
      expect(own.status).toBe(0);
      const before = statSync(publishedPathFor(other)).mtimeMs;
      const mixed = await runCli([...DEMO, '--no-reports'], { TRIBUTARY_DB: other, ...JUNE });
      expect(mixed.status).toBe(2);
      expect(mixed.stderr).toBe(
        `error: refresh failed at extract: The warehouse ${other} holds Stripe account acct_1xKHcXaLdaToXoQu, but the built-in demo account is account acct_1wMARzeavvvuiz36; one warehouse holds one account, so point TRIBUTARY_DB at another file for it.\n`,
      );
      // The other way round, the usual path (npm start on the demo account first, then with a key) gets its own advice.
      const real = await runCli(['refresh', '--no-reports'], { TRIBUTARY_DB: warehouse, STRIPE_API_KEY: TEST_KEY, STRIPE_API_BASE: server.url, ...JUNE });
      expect(real.status).toBe(2);
      expect(real.stderr).toBe(
        `error: refresh failed at extract: The warehouse ${warehouse} holds the built-in demo account; to load the Stripe API at ${server.url} (account acct_1xKHcXaLdaToXoQu), point TRIBUTARY_DB at another file, or delete ${warehouse} and the files beside it starting with its name to start over.\n`,
      );
      // A live key is refused by the (test-mode) demo server: 401.
      const refused = await runCli(['refresh', '--no-reports'], { TRIBUTARY_DB: other, STRIPE_API_KEY: 'sk_live_NotAcceptedHere0123456789', STRIPE_API_BASE: server.url, ...JUNE });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/^error: refresh failed at extract: /);
      expect(refused.stderr).not.toContain('sk_live_NotAcceptedHere0123456789');
      expect(statSync(publishedPathFor(other)).mtimeMs).toBe(before);
    } finally {
      await server.close();
    }
  });
});
