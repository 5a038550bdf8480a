import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoServer } from '../../demo/server/startDemoServer.js';
import { quoteIdentifier } from '../../warehouse/bulkLoad.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { cliEnv, demoAccount, demoAdmin, runCli, startDemo, startProxy, tempDir, TEST_KEY, type CliResult } from './support.js';

let server: DemoServer;
const temp = tempDir('tributary-secrets-');
const dbPath = `${temp.dir}/w.duckdb`;
const outputs: { name: string; result: CliResult }[] = [];

beforeAll(async () => {
  server = await startDemo(demoAccount(40, 42));
  const env = cliEnv(server, dbPath);
  outputs.push({ name: 'backfill', result: await runCli(['extract', 'stripe'], { env, cwd: temp.dir }) });
  await demoAdmin(server, 'update-customer', { customer: server.account.ids('customers')[0]!, name: 'Someone Else' });
  outputs.push({ name: 'incremental --verbose', result: await runCli(['--verbose', 'extract', 'stripe'], { env, cwd: temp.dir }) });
  outputs.push({ name: 'help', result: await runCli(['extract', 'stripe', '--help'], { env, cwd: temp.dir }) });
  // A server that echoes the whole key back in its error, as some do: the message must reach the user without it.
  const echo = await startProxy(server, () => ({ status: 401, body: { error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${TEST_KEY}` } } }));
  try {
    outputs.push({ name: 'refused key --verbose', result: await runCli(['--verbose', 'extract', 'stripe', '--full'], { env: cliEnv(echo, dbPath), cwd: temp.dir }) });
  } finally {
    await echo.close();
  }
});
afterAll(async () => {
  await server?.close();
  temp.cleanup();
});

describe('the API key', () => {
  it('the runs did what they should', () => {
    const byName = Object.fromEntries(outputs.map((o) => [o.name, o.result]));
    expect(byName['backfill']!.code).toBe(0);
    expect(byName['incremental --verbose']!.code).toBe(0);
    expect(byName['help']!.stdout).toContain('STRIPE_API_KEY');
    expect(byName['refused key --verbose']!.code).toBe(1);
    expect(byName['refused key --verbose']!.stderr).toContain('error: Stripe refused the request for account: the account object: Invalid API Key provided: [redacted] (HTTP 401)');
  });

  it('appears in no output, not even stack traces', () => {
    for (const { name, result } of outputs) {
      expect(result.stdout, name).not.toContain(TEST_KEY);
      expect(result.stderr, name).not.toContain(TEST_KEY);
      // Nor a recognisable part of it.
      expect(result.stdout + result.stderr, name).not.toContain(TEST_KEY.slice(-16));
    }
  });

  it('is not in the warehouse file, its WAL, or any value of any table', async () => {
    for (const file of [dbPath, `${dbPath}.wal`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      expect(bytes.includes(Buffer.from(TEST_KEY)), file).toBe(false);
      expect(bytes.includes(Buffer.from(TEST_KEY.slice(-16))), file).toBe(false);
    }
    // Strings may be compressed on disk: also look through every value.
    const warehouse = await Warehouse.open({ path: dbPath });
    try {
      const columns = await warehouse.all<{ s: string; t: string; c: string }>(
        `select table_schema as s, table_name as t, column_name as c from information_schema.columns where table_catalog = current_database()`,
      );
      expect(columns.length).toBeGreaterThan(40);
      for (const { s, t, c } of columns) {
        const hit = await warehouse.one<{ n: number }>(
          `select count(*)::int as n from ${quoteIdentifier(s)}.${quoteIdentifier(t)} where ${quoteIdentifier(c)}::varchar like ?`,
          [`%${TEST_KEY.slice(-16)}%`],
        );
        expect(hit?.n, `${s}.${t}.${c}`).toBe(0);
      }
    } finally {
      await warehouse.close();
    }
  });
});
