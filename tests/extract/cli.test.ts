import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse } from '../../warehouse/warehouse.js';
import type { DemoServer } from '../../demo/server/startDemoServer.js';
import { cliEnv, demoAccount, runCli, startDemo, tempDir, type CliResult } from './support.js';

let server: DemoServer;
const temp = tempDir('tributary-cli-');
const dbPath = `${temp.dir}/w.duckdb`;
let first: CliResult;

beforeAll(async () => {
  server = await startDemo(demoAccount(30, 42));
  first = await runCli(['extract', 'stripe', '--rate', '200', '--stream', 'customers', '--stream', 'subscriptions', '--stream', 'payment_methods'], { env: cliEnv(server, dbPath), cwd: temp.dir });
});
afterAll(async () => {
  await server?.close();
  temp.cleanup();
});

describe('tributary extract stripe', () => {
  it('prints plain progress lines off a terminal and a summary table at the end', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
    const lines = first.stdout.split('\n');
    expect(lines).toContain('customers: reading in full (8 windows)');
    expect(lines).toContain('subscriptions: reading in full (8 windows)');
    expect(lines.some((line) => /^customers: done, \d+ new, 0 updated, \d+ deleted in [\d.]+ s$/.test(line))).toBe(true);
    expect(first.stdout).toMatch(/stream\s+│\s+mode\s+│\s+new\s+│\s+updated\s+│\s+deleted\s+│\s+seconds/);
    expect(first.stdout).toMatch(/customers\s+│\s+backfill\s+│\s+\d+/);
    expect(first.stdout).toMatch(/payment_methods\s+│/);
    // Only the streams asked for.
    expect(first.stdout).not.toMatch(/invoices\s+│/);
    expect(first.stdout).toMatch(/\n\d+ requests in [\d.]+ s\.\n$/);
  });

  it('finishes its work when the reader of its output goes away (`| head`), without a stack trace', async () => {
    const path = `${temp.dir}/head.duckdb`;
    const child = spawn(process.execPath, [join(process.cwd(), 'bin/tributary.js'), 'extract', 'stripe', '--rate', '200'], { cwd: temp.dir, env: cliEnv(server, path), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    // Like `head -1`: read the first line, then close the pipe.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const warehouse = await Warehouse.open({ path });
    try {
      // The whole read reached the raw tables, and the run is recorded as a success.
      expect(await warehouse.all(`select status from meta.runs`)).toEqual([{ status: 'succeeded' }]);
      const customers = await warehouse.one<{ n: number }>(`select count(*)::int as n from raw_stripe.customers where not deleted`);
      expect(customers!.n).toBe(server.account.ids('customers').length);
    } finally {
      await warehouse.close();
    }
  });

  it('a second run is incremental', async () => {
    const second = await runCli(['extract', 'stripe', '--stream', 'customers'], { env: cliEnv(server, dbPath), cwd: temp.dir });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('customers: reading changes since the last run');
    expect(second.stdout).toMatch(/customers\s+│\s+incremental\s+│\s+0\s+│\s+0\s+│\s+0/);
  });

  it('refuses bad usage with exit 2 and one sentence', async () => {
    const env = cliEnv(server, dbPath);
    const unknown = await runCli(['extract', 'stripe', '--stream', 'nonsense'], { env, cwd: temp.dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('error: The stream "nonsense" is not one of account, customers, products, prices, coupons, subscriptions, invoices, invoiceitems, charges, refunds, disputes, balance_transactions, credit_notes, payment_methods, events.\n');
    const rate = await runCli(['extract', 'stripe', '--rate', '0'], { env, cwd: temp.dir });
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain('--rate must be a number of requests per second from 0.1 to 1000.');
    const { STRIPE_API_KEY: _key, ...withoutKey } = env;
    const noKey = await runCli(['extract', 'stripe'], { env: withoutKey, cwd: temp.dir });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toBe(
      'error: No Stripe key is set: set STRIPE_API_KEY (a restricted read-only key is recommended), or run `tributary refresh --demo` to load the built-in demo account instead.\n',
    );
    const badSetting = await runCli(['extract', 'stripe'], { env: { ...env, TRIBUTARY_STRIPE_RATE: 'fast' }, cwd: temp.dir });
    expect(badSetting.code).toBe(2);
    expect(badSetting.stderr).toContain('TRIBUTARY_STRIPE_RATE');
  });

  it('teaches in --help: incremental, --full, where the key comes from', async () => {
    const help = await runCli(['extract', 'stripe', '--help'], { env: cliEnv(server, dbPath), cwd: temp.dir });
    expect(help.code).toBe(0);
    for (const text of ['incremental', '--full re-reads everything', 'STRIPE_API_KEY', 'STRIPE_API_BASE', 'TRIBUTARY_DB', 'restricted key with read-only access', 'kill -9']) {
      expect(help.stdout).toContain(text);
    }
  });
});
