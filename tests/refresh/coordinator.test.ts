import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoAccount } from '../../demo/account/account.js';
import { generateDemoAccount } from '../../demo/generate/generateDemoAccount.js';
import { startDemoServer, type DemoServer } from '../../demo/server/startDemoServer.js';
import { EventSpool, spoolDirFor } from '../../extract/webhooks/spool.js';
import type { WebhookEvent } from '../../extract/webhooks/verify.js';
import { RefreshCoordinator, type RunOutcome, type RunningRefresh } from '../../refresh/coordinator.js';
import { stripeSource } from '../../refresh/source.js';
import { runtimeVars } from '../../transform/projectSettings.js';
import { eventually, PINNED_NOW, queryWarehouse, REPO, removeTempDirs, tempDir, TEST_KEY } from './support.js';

/**
 * The coordinator of serve's refreshes, in-process over a real warehouse and
 * the demo server: a burst of events is one refresh, runs never overlap, and
 * an event Stripe's list does not show is kept, retried, then given up.
 */
let account: DemoAccount;
let demo: DemoServer;
let warehouse: string;
let spool: EventSpool;

beforeAll(async () => {
  account = generateDemoAccount({ customers: 20, seed: 5, now: PINNED_NOW });
  demo = await startDemoServer({ account });
  warehouse = join(tempDir('tributary-coordinator-'), 'w.duckdb');
  spool = new EventSpool(spoolDirFor(warehouse));
});

afterAll(async () => {
  await demo?.close();
  removeTempDirs();
});

function coordinator(log: { started: RunningRefresh[]; finished: RunOutcome[]; givenUp: string[] }) {
  return new RefreshCoordinator({
    warehousePath: warehouse,
    projectDir: REPO,
    source: stripeSource({ apiKey: TEST_KEY, apiBase: demo.url, rate: 500 }),
    vars: () => runtimeVars({ now: PINNED_NOW }),
    spool,
    debounceMs: 200,
    maxDelayMs: 2_000,
    retryDelayMs: 500,
    unlistedGiveUpMs: 3_000,
    onRunStarted: (run) => log.started.push(run),
    onRunFinished: (outcome) => log.finished.push(outcome),
    onEventsGivenUp: (ids) => log.givenUp.push(...ids),
  });
}

/** Stores an event the way the webhook endpoint does (verified elsewhere). */
function deliver(event: { id: string; type: string; created: number }, receivedAt = new Date()): void {
  spool.store(event as WebhookEvent, Buffer.from(JSON.stringify(event)), receivedAt);
}

describe('the refresh coordinator', () => {
  it('turns a burst of events into one refresh, keeps an event Stripe does not list, retries it, then gives up on it', async () => {
    const log = { started: [] as RunningRefresh[], finished: [] as RunOutcome[], givenUp: [] as string[] };
    const runs = coordinator(log);
    const first = await runs.run('start');
    expect(first).toMatchObject({ ok: true, trigger: 'start' });

    const listed = (account.objects('events') as { id: string; type: string; created: number }[]).slice(0, 3);
    expect(listed).toHaveLength(3);
    const phantom = { id: 'evt_1NotInThisAccount000', type: 'customer.updated', created: listed[0]!.created };
    for (const event of [...listed, phantom]) {
      deliver(event);
      runs.eventsArrived();
    }
    await eventually(async () => (log.finished.length >= 2 ? true : undefined), 120_000, 100);
    const webhookRun = log.finished[1]!;
    expect(webhookRun.ok && webhookRun.trigger).toBe('webhook');
    if (!webhookRun.ok) throw webhookRun.error;
    expect(log.started[1]!.events).toBe(4);
    expect([...webhookRun.result.appliedEvents].sort()).toEqual(listed.map((event) => event.id).sort());
    expect(webhookRun.result.unlistedEvents).toEqual([phantom.id]);

    // Kept, retried after the retry delay, then given up once older than the give-up bound.
    await eventually(async () => (log.givenUp.length > 0 ? true : undefined), 180_000, 200);
    expect(log.givenUp).toEqual([phantom.id]);
    await runs.close();
    expect(spool.pending()).toEqual([]);
    expect(spool.applied().map((event) => event.id).sort()).toEqual([...listed.map((event) => event.id), phantom.id].sort());
    const recorded = await queryWarehouse<{ event_id: string }>(warehouse, 'select event_id from meta.webhook_events order by event_id');
    expect(recorded.map((row) => row.event_id)).toEqual(listed.map((event) => event.id).sort());
    // Every run after the first was a webhook run, one at a time.
    expect(log.started.slice(1).every((run) => run.trigger === 'webhook')).toBe(true);
    expect(log.finished.length).toBeGreaterThanOrEqual(3);
  });

  it('never runs two refreshes at once, whatever asks for them', async () => {
    const log = { started: [] as RunningRefresh[], finished: [] as RunOutcome[], givenUp: [] as string[] };
    const runs = coordinator(log);
    const events = (account.objects('events') as { id: string; type: string; created: number }[]).slice(3, 5);
    const asked = [runs.run('schedule'), runs.run('schedule')];
    deliver(events[0]!);
    runs.eventsArrived();
    await new Promise((resolve) => setTimeout(resolve, 300));
    deliver(events[1]!);
    runs.eventsArrived();
    await Promise.all(asked);
    await runs.idle();
    await eventually(async () => (spool.pending().length === 0 && runs.state.running === null ? true : undefined), 120_000, 200);
    await runs.close();
    const spans = log.finished.map((outcome) => [outcome.startedAt.getTime(), outcome.endedAt.getTime()] as const);
    expect(spans.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    expect(log.finished.every((outcome) => outcome.ok)).toBe(true);
  });
});
