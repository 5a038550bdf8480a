import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reportsWorkDirFor } from '../../refresh/reportsStep.js';
import { eventually, freePort, queryPublished, REPO, removeTempDirs, spawnCli, tempDir, type CliProcess } from '../refresh/support.js';

/**
 * `npm start` on a fresh clone: no key, no warehouse, no site. It must refresh
 * from the demo account (saying so), build the site, serve it and print the
 * URL. A second start serves at once and rebuilds the site in the background.
 */
const warehouse = join(tempDir('tributary-start-'), 'w.duckdb');
const started: CliProcess[] = [];

afterAll(async () => {
  for (const child of started) child.kill('SIGKILL');
  await Promise.all(started.map((child) => child.done));
  rmSync(reportsWorkDirFor(warehouse), { recursive: true, force: true });
  removeTempDirs();
});

/** Processes working in this warehouse's Evidence directory (Evidence and the Vite it starts). */
function evidenceProcesses(): string[] {
  const workDir = reportsWorkDirFor(warehouse);
  return readdirSync('/proc').filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return readlinkSync(`/proc/${pid}/cwd`).startsWith(workDir);
    } catch {
      return false;
    }
  });
}

describe('npm start', () => {
  it('runs `tributary start`, with the node flags of the shebang of bin/tributary.js', () => {
    const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const shebang = readFileSync(join(REPO, 'bin/tributary.js'), 'utf8').split('\n')[0]!;
    const flags = /^#!\/usr\/bin\/env -S node (.+)$/.exec(shebang)?.[1];
    expect(flags).toBe('--max-semi-space-size=1');
    expect(manifest.scripts['start']).toBe(`node ${flags} bin/tributary.js start`);
    // bench:extract measures the CLI's memory, so it runs with the same flags.
    expect(manifest.scripts['bench:extract']).toBe(`node ${flags} scripts/runCompiled.js scripts/bench/extract.ts`);
  });

  it('on a fresh clone without a key: a demo refresh, the reports built, then served at the printed URL', { timeout: 1_200_000 }, async () => {
    const port = await freePort();
    const start = spawnCli(['start', '--port', String(port), '--demo-customers', '20'], { TRIBUTARY_DB: warehouse });
    started.push(start);
    const line = await start.waitFor(/^Tributary is running/, 1_100_000);
    expect(line).toBe(`Tributary is running on the DEMO account: open http://127.0.0.1:${port}/`);
    const out = start.stdout();
    expect(out).toMatch(/^No STRIPE_API_KEY is set, so this runs on the built-in demo account\.\nUsing the built-in DEMO account: 20 generated customers/);
    expect(out).toMatch(/\[4\/4\] reports: building the reports site/);
    expect(out).toMatch(/ {6}reports: \d+ pages in .*w\.reports, /);

    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<!doctype html>');
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Record<string, any>;
    expect(health['runInProgress']).toBe(false);
    expect(health['lastRun']).toMatchObject({ trigger: 'start', status: 'succeeded' });
    expect(health['lastSuccessfulRefreshAt']).toBe(health['lastRun']['endedAt']);
    expect(health['reports']['builtAt']).toBe(health['lastRun']['endedAt']);
    expect(health['source']).toBe('demo');
    expect(health['webhooks']).toBe('disabled: STRIPE_WEBHOOK_SECRET is not set');
    const [customers] = await queryPublished<{ n: number }>(warehouse, 'select count(*)::integer as n from marts.customers');
    expect(customers!.n).toBeGreaterThan(0);

    start.kill('SIGTERM');
    const exit = await start.done;
    expect(exit.status).toBe(0);
  });

  it('starts again on the existing site at once, rebuilding it in the background, and stops that build on Ctrl-C', { timeout: 600_000 }, async () => {
    const port = await freePort();
    const start = spawnCli(['start', '--port', String(port), '--demo-customers', '20'], { TRIBUTARY_DB: warehouse });
    started.push(start);
    const line = await start.waitFor(/^Tributary is running/, 500_000);
    expect(line).toBe(
      `Tributary is running on the DEMO account: open http://127.0.0.1:${port}/ (the site is being rebuilt with the new data in the background; the current one stays up meanwhile)`,
    );
    expect(start.stdout()).not.toMatch(/\[4\/4\]/);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Record<string, any>;
    expect(health['reports']['building']).toBe(true);
    await eventually(async () => (evidenceProcesses().length > 0 ? true : undefined), 60_000, 200);
    start.kill('SIGINT');
    expect((await start.done).status).toBe(0);
    // Evidence ran in a process group of its own; stopping serve stopped it too.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(evidenceProcesses()).toEqual([]);
  });
});
