import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoAccount } from '../../demo/account/account.js';
import type { DemoServer } from '../../demo/server/startDemoServer.js';
import { WorkError } from '../../errors/index.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { cliEnv, demoAccount, demoAdmin, extractOnce, rawSnapshot, runCli, startDemo, startProxy, tempDir, TEST_KEY } from './support.js';

type Json = Record<string, any>;

let account: DemoAccount;
let server: DemoServer;
const temp = tempDir('tributary-failure-');

beforeAll(async () => {
  account = demoAccount(60, 42);
  server = await startDemo(account);
});
afterAll(async () => {
  await server?.close();
  temp.cleanup();
});

const serverError = { status: 500, body: { error: { type: 'api_error', message: 'An unknown error occurred.' } } };

async function lastRun(path: string): Promise<{ status: string; error: string | null }> {
  const warehouse = await Warehouse.open({ path });
  try {
    return (await warehouse.one<{ status: string; error: string | null }>(`select status, error from meta.runs order by started_at desc limit 1`))!;
  } finally {
    await warehouse.close();
  }
}

describe('a request that keeps failing', () => {
  it('during an incremental run: the run fails naming the stream and object, and the raw tables stay as they were', async () => {
    const path = `${temp.dir}/incremental.duckdb`;
    await extractOnce(path, server);
    const subscription = (account.objects('subscriptions') as Json[]).find((s) => s['status'] === 'active')!['id'] as string;
    await demoAdmin(server, 'cancel', { subscription });
    const before = await rawSnapshot(path);
    const proxy = await startProxy(server, (p) => (p === `/v1/subscriptions/${subscription}` ? serverError : undefined));
    try {
      const failure = await extractOnce(path, server, { apiBase: proxy.url }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(WorkError);
      expect((failure as Error).message).toBe(
        `The request for subscriptions: subscription ${subscription} kept failing after 8 attempts (last: An unknown error occurred (HTTP 500)); the raw tables keep their last complete state.`,
      );
      expect(proxy.seen.filter((p) => p === `/v1/subscriptions/${subscription}`)).toHaveLength(8);
    } finally {
      await proxy.close();
    }
    expect(await rawSnapshot(path)).toEqual(before);
    const run = await lastRun(path);
    expect(run.status).toBe('failed');
    expect(run.error).toContain(`subscription ${subscription}`);
    // Without the fault the next run brings the change.
    await extractOnce(path, server);
    const after = await rawSnapshot(path);
    expect(JSON.parse(after['subscriptions']!.get(subscription)!.data).status).toBe('canceled');
  });

  it('during a backfill: the run stops, every raw table holds nothing or a complete stream, and a rerun resumes', async () => {
    const path = `${temp.dir}/backfill.duckdb`;
    const invoice = (account.objects('invoices') as Json[]).find((i) => i['lines'].has_more)?.['id'] as string | undefined;
    // The failing request: an invoice's line sub-list when it has one, otherwise the newest invoice page.
    const failing = invoice ? `/v1/invoices/${invoice}/lines` : '/v1/invoices';
    const proxy = await startProxy(server, (p) => (p === failing ? serverError : undefined));
    try {
      await expect(extractOnce(path, server, { apiBase: proxy.url })).rejects.toThrow(/^The request for invoices: .* kept failing after 8 attempts/);
    } finally {
      await proxy.close();
    }
    const partial = await rawSnapshot(path);
    expect(partial['invoices']!.size).toBe(0);
    // A stream reaches its raw table whole or not at all.
    for (const stream of ['products', 'prices', 'coupons', 'subscriptions', 'charges', 'balance_transactions', 'events']) {
      const ids = [...partial[stream]!.keys()].sort();
      expect([0, account.ids(stream).length], stream).toContain(ids.length);
      if (ids.length > 0) expect(ids, stream).toEqual([...account.ids(stream)].sort());
    }
    const warehouse = await Warehouse.open({ path });
    try {
      const phase = await warehouse.one<{ phase: string }>(`select phase from meta.sync_state where stream = 'invoices'`);
      expect(phase?.phase).toBe('backfill');
    } finally {
      await warehouse.close();
    }
    const resumed = await extractOnce(path, server);
    expect(resumed.streams.find((s) => s.stream === 'invoices')?.mode).toBe('resume');
    expect((await rawSnapshot(path))['invoices']!.size).toBe(account.counts()['invoices']);
  });

  it('retrieving a deleted customer during a backfill: the run fails naming the customer, no stream is half there, and a rerun brings it', async () => {
    const path = `${temp.dir}/deleted-customer.duckdb`;
    const listed = new Set(account.ids('customers'));
    // A customer Stripe no longer lists that a subscription still names: retrieved by id while the other streams are read.
    const deleted = (account.objects('subscriptions') as Json[]).map((s) => s['customer'] as string).find((id) => !listed.has(id));
    expect(deleted, 'the demo account has a deleted customer with a subscription').toBeDefined();
    const proxy = await startProxy(server, (p) => (p === `/v1/customers/${deleted}` ? serverError : undefined));
    try {
      await expect(extractOnce(path, server, { apiBase: proxy.url })).rejects.toThrow(
        `The request for customers: customer ${deleted} (named by other objects, absent from the customer list) kept failing after 8 attempts`,
      );
    } finally {
      await proxy.close();
    }
    const partial = await rawSnapshot(path);
    expect(partial['customers']!.has(deleted!)).toBe(false);
    // Each stream is in its raw table whole or not at all; the staged retrievals never reached one.
    for (const stream of ['customers', 'subscriptions', 'invoices', 'charges']) {
      expect([0, account.ids(stream).length], stream).toContain(partial[stream]!.size);
    }
    await extractOnce(path, server);
    const after = await rawSnapshot(path);
    expect(after['customers']!.get(deleted!)?.deleted).toBe(true);
  });

  it('a 4xx other than 404 and 429 stops the CLI at once with exit 1, naming the stream and object', async () => {
    const path = `${temp.dir}/cli.duckdb`;
    await extractOnce(path, server);
    const customer = account.ids('customers')[0]!;
    await demoAdmin(server, 'update-customer', { customer, name: 'Changed Name' });
    const before = await rawSnapshot(path);
    const proxy = await startProxy(server, (p) =>
      p === `/v1/customers/${customer}` ? { status: 403, body: { error: { type: 'invalid_request_error', message: 'The provided key does not have access to customers.' } } } : undefined,
    );
    try {
      const result = await runCli(['extract', 'stripe'], { env: cliEnv(proxy, path), cwd: temp.dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `error: Stripe refused the request for customers: customer ${customer}: The provided key does not have access to customers (HTTP 403); nothing was skipped, so the run stopped.\n`,
      );
      expect(proxy.seen.filter((p) => p === `/v1/customers/${customer}`)).toHaveLength(1);
      expect(result.stdout + result.stderr).not.toContain(TEST_KEY);
    } finally {
      await proxy.close();
    }
    expect(await rawSnapshot(path)).toEqual(before);
  });
});
