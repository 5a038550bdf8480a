import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoAccount } from '../../demo/account/account.js';
import { generateDemoAccount } from '../../demo/generate/generateDemoAccount.js';
import { startDemoServer, type DemoServer } from '../../demo/server/startDemoServer.js';
import { spoolDirFor } from '../../extract/webhooks/spool.js';
import {
  eventually,
  freePort,
  postWebhook,
  queryPublished,
  queryWarehouse,
  removeTempDirs,
  runCli,
  signedDelivery,
  spawnCli,
  tempDir,
  TEST_KEY,
  WEBHOOK_SECRET,
  type CliProcess,
} from '../refresh/support.js';

/**
 * `tributary serve` as a process, against a demo account running in this
 * test: a live cancellation on the account, its event delivered signed to
 * serve, the customer churned in the marts within the contract's 60 seconds;
 * a crash right after the 2xx; the schedule; query while serve runs.
 */
const NEVER = '59 23 31 12 *';
let account: DemoAccount;
let demo: DemoServer;
let stripe: Stripe;
let warehouse: string;
let env: Record<string, string>;
const serves: CliProcess[] = [];

beforeAll(async () => {
  account = generateDemoAccount({ customers: 40, seed: 11 });
  demo = await startDemoServer({ account });
  const base = new URL(demo.url);
  stripe = new Stripe(TEST_KEY, { host: base.hostname, port: Number(base.port), protocol: 'http', telemetry: false, maxNetworkRetries: 0 });
  warehouse = join(tempDir('tributary-serve-'), 'w.duckdb');
  env = { STRIPE_API_KEY: TEST_KEY, STRIPE_API_BASE: demo.url, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, TRIBUTARY_DB: warehouse, TRIBUTARY_SCHEDULE: NEVER };
  const first = await runCli(['refresh', '--no-reports'], env);
  expect(first.stderr).toBe('');
  expect(first.status).toBe(0);
});

afterAll(async () => {
  for (const serve of serves) serve.kill('SIGKILL');
  await Promise.all(serves.map((serve) => serve.done));
  await demo?.close();
  removeTempDirs();
});

async function startServe(extraEnv: Record<string, string> = {}): Promise<{ serve: CliProcess; url: string }> {
  const port = await freePort();
  const serve = spawnCli(['serve', '--port', String(port), '--no-reports'], { ...env, ...extraEnv });
  serves.push(serve);
  await serve.waitFor(/"msg":"serving"/, 120_000);
  return { serve, url: `http://127.0.0.1:${port}/` };
}

/** Log records of a serve process (JSON lines on stdout when not on a terminal). */
function records(serve: CliProcess): Record<string, unknown>[] {
  return serve
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A paying customer with exactly one live subscription, a single Stripe customer behind it. */
async function payingCustomer(exclude: readonly string[] = []): Promise<{ customer: string; subscription: string }> {
  const rows = await queryPublished<{ id: string }>(
    warehouse,
    `select stripe_customer_ids[1] as id from marts.customers
     where len(stripe_customer_ids) = 1 and mrr > 0 and lifecycle_stage <> 'churned' order by mrr desc, customer_id`,
  );
  for (const { id } of rows) {
    if (exclude.includes(id)) continue;
    const live = (await stripe.subscriptions.list({ customer: id, status: 'all', limit: 100 })).data.filter((sub) => !['canceled', 'incomplete_expired'].includes(sub.status));
    if (live.length === 1 && live[0]!.status === 'active' && !live[0]!.cancel_at_period_end) return { customer: id, subscription: live[0]!.id };
  }
  throw new Error('the demo account has no paying customer with a single live subscription');
}

/** Cancels now on the demo account (a live change, as in the Stripe dashboard) and returns the event Stripe would deliver. */
async function cancelLive(subscription: string): Promise<Stripe.Event> {
  const admin = (action: string, body: object) =>
    fetch(new URL(`/_demo/${action}`, demo.url), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  // The account clock catches up with the real one first, so the cancellation is not in the marts' past.
  expect((await admin('advance', { to: new Date().toISOString() })).status).toBe(200);
  expect((await admin('cancel', { subscription })).status).toBe(200);
  const events = await stripe.events.list({ type: 'customer.subscription.deleted', limit: 10 });
  const event = events.data.find((candidate) => (candidate.data.object as { id: string }).id === subscription);
  if (!event) throw new Error(`no customer.subscription.deleted event for ${subscription}`);
  return event;
}

async function customerState(customer: string): Promise<{ lifecycle_stage: string; churned_at: Date | null; mrr: number }> {
  const [row] = await queryPublished<{ lifecycle_stage: string; churned_at: Date | null; mrr: number }>(
    warehouse,
    `select lifecycle_stage, churned_at, mrr::double as mrr from marts.customers where list_contains(stripe_customer_ids, '${customer}')`,
  );
  return row!;
}

describe('tributary serve', () => {
  it('answers /healthz, keeps tributary query working, and turns a signed cancellation into churn in the marts within 60 s', async () => {
    const { serve, url } = await startServe();
    const health = (await (await fetch(new URL('/healthz', url))).json()) as Record<string, unknown>;
    expect(health['status']).toBe('ok');
    expect(health['runInProgress']).toBe(false);
    expect(typeof health['lastSuccessfulRefreshAt']).toBe('string');
    expect(health['webhooks']).toBe('enabled');

    const query = await runCli(['query', 'select count(*) as customers from marts.customers', '--format', 'json'], env);
    expect(query.stderr).toBe('');
    expect(query.status).toBe(0);
    expect((JSON.parse(query.stdout) as { customers: number }[])[0]!.customers).toBeGreaterThan(0);

    const target = await payingCustomer();
    expect((await customerState(target.customer)).churned_at).toBeNull();
    const event = await cancelLive(target.subscription);
    const { body, signature } = signedDelivery(event);
    const answer = await postWebhook(url, body, { 'Stripe-Signature': signature });
    const accepted = Date.now();
    expect(answer).toEqual({ status: 200, json: { received: true, id: event.id, duplicate: false } });

    const churned = await eventually(async () => {
      const state = await customerState(target.customer);
      return state.churned_at ? state : undefined;
    }, 60_000, 250);
    const seconds = (Date.now() - accepted) / 1000;
    expect(seconds).toBeLessThan(60);
    expect(churned.lifecycle_stage).toBe('churned');
    expect(churned.mrr).toBe(0);
    process.stdout.write(`cancellation reached the marts ${seconds.toFixed(1)} s after the 2xx\n`);

    // The refresh that applied it, in the log and in meta.
    const finished = await eventually(async () => records(serve).find((r) => r['msg'] === 'refresh finished' && r['trigger'] === 'webhook'), 30_000);
    expect(finished['events']).toBe(1);
    const applied = await queryPublished<{ event_id: string; event_type: string }>(warehouse, 'select event_id, event_type from meta.webhook_events');
    expect(applied).toEqual([{ event_id: event.id, event_type: 'customer.subscription.deleted' }]);
    expect(readdirSync(join(spoolDirFor(warehouse), 'applied'))).toEqual([`${event.id}.json`]);
    expect(readdirSync(join(spoolDirFor(warehouse), 'pending'))).toEqual([]);

    // Delivered again (Stripe retries): stored once, no second refresh needed.
    const again = await postWebhook(url, body, { 'Stripe-Signature': signature });
    expect(again).toEqual({ status: 200, json: { received: true, id: event.id, duplicate: true } });

    // Nothing secret in the log; one line per request.
    expect(serve.stdout()).not.toContain(WEBHOOK_SECRET);
    expect(serve.stdout()).not.toContain(TEST_KEY);
    // The line is written when the answer is done, which may be a moment after the client has it.
    const requests = await eventually(async () => {
      const lines = records(serve).filter((r) => r['msg'] === 'request').map((r) => `${r['method']} ${r['path']} ${r['status']}`);
      return lines.length >= 3 ? lines : undefined;
    }, 10_000, 100);
    expect(requests).toEqual(['GET /healthz 200', 'POST /webhooks/stripe 200', 'POST /webhooks/stripe 200']);

    serve.kill('SIGTERM');
    const exit = await serve.done;
    expect(exit.status).toBe(0);
    expect(existsSync(`${warehouse}.lock`)).toBe(false);
  });

  it('keeps an event acknowledged just before a kill -9 and applies it after the restart', async () => {
    const first = await startServe();
    const target = await payingCustomer();
    const event = await cancelLive(target.subscription);
    const { body, signature } = signedDelivery(event);
    const answer = await postWebhook(first.url, body, { 'Stripe-Signature': signature });
    first.serve.kill('SIGKILL');
    expect(answer.status).toBe(200);
    await first.serve.done;
    // Stored, not applied: the marts still show the customer paying.
    expect(readdirSync(join(spoolDirFor(warehouse), 'pending'))).toEqual([`${event.id}.json`]);
    expect((await customerState(target.customer)).churned_at).toBeNull();

    const second = await startServe();
    const churned = await eventually(async () => {
      const state = await customerState(target.customer);
      return state.churned_at ? state : undefined;
    }, 90_000, 500);
    expect(churned.lifecycle_stage).toBe('churned');
    await eventually(async () => (readdirSync(join(spoolDirFor(warehouse), 'applied')).includes(`${event.id}.json`) ? true : undefined), 30_000);
    expect(records(second.serve).some((r) => r['msg'] === 'webhook events received before a restart are waiting; applying them' && r['events'] === 1)).toBe(true);
    second.serve.kill('SIGTERM');
    expect((await second.serve.done).status).toBe(0);
  });

  it('runs the schedule (every second here) without ever overlapping runs, webhook-triggered ones included', async () => {
    const startedAt = new Date();
    const { serve, url } = await startServe({ TRIBUTARY_SCHEDULE: '* * * * * *' });
    await eventually(async () => (records(serve).filter((r) => r['msg'] === 'refresh finished' && r['trigger'] === 'schedule').length >= 1 ? true : undefined), 120_000);
    // An event in the middle of scheduled runs.
    const target = await payingCustomer();
    const event = await cancelLive(target.subscription);
    const { body, signature } = signedDelivery(event);
    expect((await postWebhook(url, body, { 'Stripe-Signature': signature })).status).toBe(200);
    await eventually(async () => (records(serve).filter((r) => r['msg'] === 'refresh finished' && r['trigger'] === 'schedule').length >= 3 ? true : undefined), 180_000);
    await eventually(async () => (readdirSync(join(spoolDirFor(warehouse), 'pending')).length === 0 ? true : undefined), 120_000);
    const health = (await (await fetch(new URL('/healthz', url))).json()) as { schedule: { cron: string; nextRunAt: string } };
    expect(health.schedule.cron).toBe('* * * * * *');
    serve.kill('SIGTERM');
    expect((await serve.done).status).toBe(0);

    const runs = await queryWarehouse<{ started_at: Date; ended_at: Date; trigger: string; status: string }>(
      warehouse,
      `select started_at, ended_at, counts->>'trigger' as trigger, status from meta.runs
       where command = 'refresh' and started_at >= '${startedAt.toISOString()}' order by started_at`,
    );
    expect(runs.filter((run) => run.trigger === 'schedule').length).toBeGreaterThanOrEqual(3);
    expect(runs.every((run) => run.status === 'succeeded')).toBe(true);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.started_at.getTime()).toBeGreaterThanOrEqual(runs[i - 1]!.ended_at.getTime());
    // The event was applied by whichever run came next: a webhook run, or a scheduled one that took it first.
    expect((await customerState(target.customer)).lifecycle_stage).toBe('churned');
  });
});
