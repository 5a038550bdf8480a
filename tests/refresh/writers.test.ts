import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoAccount } from '../../demo/generate/generateDemoAccount.js';
import { startDemoServer, type DemoServer } from '../../demo/server/startDemoServer.js';
import { eventually, PINNED_NOW, REPO, removeTempDirs, runCli, spawnCli, tempDir, TEST_KEY, type CliResult } from './support.js';

/**
 * Every command that writes the warehouse takes the writer lock: with a
 * holder in place, each one says whom it waits for, and they all get in,
 * one after another, once the holder is gone. Readers never wait.
 */
let demo: DemoServer;
let warehouse: string;
let env: Record<string, string>;

beforeAll(async () => {
  demo = await startDemoServer({ account: generateDemoAccount({ customers: 10, seed: 3, now: PINNED_NOW }) });
  warehouse = join(tempDir('tributary-writers-'), 'w.duckdb');
  env = { TRIBUTARY_DB: warehouse, STRIPE_API_KEY: TEST_KEY, STRIPE_API_BASE: demo.url, TRIBUTARY_NOW: PINNED_NOW };
  expect((await runCli(['build'], env)).status).toBe(0);
});

afterAll(async () => {
  await demo?.close();
  removeTempDirs();
});

function holdLock(): Promise<ChildProcess> {
  const holder = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'tests', 'refresh', 'lockWorker.ts'), 'hold', warehouse, 'lock test holder'], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  holders.push(holder);
  return new Promise((resolve) => holder.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve(holder)));
}

const holders: ChildProcess[] = [];
afterEach(() => {
  for (const holder of holders.splice(0)) holder.kill('SIGKILL');
});

/** Runs the command while another process holds the lock; the holder goes once the command says it waits. */
async function behindHolder(args: string[]): Promise<CliResult> {
  const holder = await holdLock();
  const writer = spawnCli(args, env);
  const waiting = new RegExp(`^Waiting for another run to finish \\(pid ${holder.pid}, lock test holder, started [^)]+\\); giving up after 30 s\\.\\.\\.$`, 'm');
  await eventually(async () => (waiting.test(writer.stderr()) ? true : undefined), 60_000, 100);
  holder.kill('SIGKILL');
  const result = await writer.done;
  // It got in: it neither gave up on the lock nor ran into DuckDB's own one-writer refusal.
  expect(result.stderr).not.toMatch(/holds the warehouse|open in another process/);
  return result;
}

describe('the writer commands wait for the writer lock', () => {
  it('extract stripe', async () => {
    const result = await behindHolder(['extract', 'stripe']);
    expect(result.status).toBe(0);
  });

  it('import crm', async () => {
    const result = await behindHolder(['import', 'crm', join(REPO, 'tests', 'fixtures', 'crm', 'hubspot', 'contacts.csv')]);
    expect(result.status).toBe(0);
  });

  it('crm', async () => {
    const result = await behindHolder(['crm', 'tag', 'nobody@example.com', 'vip']);
    // Past the lock, the command's own answer: no such customer yet.
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/No customer in marts\.customers matches 'nobody@example\.com'/);
  });

  it('build and test', async () => {
    expect((await behindHolder(['build'])).status).toBe(0);
    expect((await behindHolder(['test'])).status).toBe(0);
  });

  it('while query reads the published copy without waiting', async () => {
    await holdLock();
    const started = Date.now();
    const query = await runCli(['query', 'select count(*) as months from marts.mrr_monthly', '--format', 'json'], env);
    expect(query.stderr).toBe('');
    expect(query.status).toBe(0);
    expect(JSON.parse(query.stdout)).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
