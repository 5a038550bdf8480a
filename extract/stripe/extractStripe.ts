import { UsageError, WorkError } from '../../errors/index.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { BackfillSpool } from './backfillSpool.js';
import { withBulkLoadSettings } from './bulkSettings.js';
import { addCounts, EARLY_LOAD_BYTES, resumeBackfill, runBackfills, startBackfill, type StreamBackfill } from './backfill.js';
import { StripeReader, type StripeObject } from './client.js';
import { clearCustomerRefs, findMissingCustomers, stageMissingCustomers } from './customers.js';
import { CURSOR_OVERLAP_SECONDS, STALE_CURSOR_SECONDS, stageIncrementalChanges, type AppliedEvent, type IncrementalPlan } from './incremental.js';
import { concurrencyFor, defaultConcurrency, RequestPool } from './pool.js';
import type { ExtractSummary, ProgressListener, StreamMode, StreamSummary } from './progress.js';
import { defaultRateForKey, RateBudget } from './rateBudget.js';
import { ensureStreamTables, mergeStaging, rawRowCount, stageRows, type MergeCounts } from './rawTables.js';
import type { RetryPolicy } from './retry.js';
import { finishRun, startRun } from './runs.js';
import { StagingWriter } from './stagingWriter.js';
import { redactSecrets } from './secrets.js';
import { readSyncStates, recordIncremental, type Db, type SyncState } from './state.js';
import { streamByName, streamNames, streams, streamsEmbedding, type StreamDefinition } from './streams.js';

export interface ExtractStripeOptions {
  readonly warehouse: Warehouse;
  readonly apiKey: string;
  /** Base URL of a Stripe-compatible API; Stripe's own when absent. */
  readonly apiBase?: string | undefined;
  /** Re-read every stream in full instead of syncing what changed. */
  readonly full?: boolean;
  /** Requests per second; 20 with a test key, 80 with a live key when absent. */
  readonly rate?: number | undefined;
  /** Only these streams (registry names); all when absent. */
  readonly streams?: readonly string[] | undefined;
  readonly onProgress?: ProgressListener;
  /** Requests in flight at once; derived from the rate when absent. */
  readonly concurrency?: number;
  readonly retryPolicy?: RetryPolicy;
  readonly windowsPerStream?: number;
  /** Spooled bytes a stream gathers before loading them while it is still read (see backfill.ts); for tests. */
  readonly earlyLoadBytes?: number;
  /** Per request, milliseconds. */
  readonly requestTimeoutMs?: number;
}

/**
 * `tributary extract stripe`: loads the Stripe account into raw_stripe.
 * A stream with no completed read (or with --full, or whose events cursor is
 * older than Stripe keeps events) is backfilled; otherwise only what changed
 * since its cursor is read. Resumable at any point; see ARCHITECTURE.md.
 */
export async function extractStripe(options: ExtractStripeOptions): Promise<ExtractSummary> {
  return withBulkLoadSettings(options.warehouse, () => extract(options));
}

async function extract(options: ExtractStripeOptions): Promise<ExtractSummary> {
  const selected = selectStreams(options.streams);
  const rate = options.rate ?? defaultRateForKey(options.apiKey);
  const budget = new RateBudget({ ratePerSecond: rate });
  const pool = new RequestPool(options.concurrency ?? defaultConcurrency(rate));
  // Without a fixed concurrency the pool follows the server: rate x observed seconds per request.
  let secondsPerRequest: number | undefined;
  const onRequestTime = (ms: number) => {
    secondsPerRequest = secondsPerRequest === undefined ? ms / 1000 : 0.9 * secondsPerRequest + 0.1 * (ms / 1000);
    if (options.concurrency === undefined) pool.resize(concurrencyFor(rate, secondsPerRequest));
  };
  const reader = new StripeReader({
    apiKey: options.apiKey,
    apiBase: options.apiBase,
    budget,
    onRequestTime,
    ...(options.retryPolicy ? { retryPolicy: options.retryPolicy } : {}),
    ...(options.requestTimeoutMs !== undefined ? { timeoutMs: options.requestTimeoutMs } : {}),
  });
  const notices: string[] = [];
  const emit: ProgressListener = (event) => {
    if (event.type === 'notice') notices.push(event.message);
    options.onProgress?.(event);
  };
  const { warehouse } = options;
  const spool = BackfillSpool.forWarehouse(warehouse.path);
  const writer = new StagingWriter(warehouse, spool);
  const startedMs = Date.now();

  await warehouse.transaction(async (tx) => {
    for (const name of streamNames) await ensureStreamTables(tx, name);
  });
  const runId = await startRun(warehouse.db);
  try {
    const account = await reader.read('account: the account object', (api) => api.account.retrieve({}));
    const serverTime = reader.serverNow();
    const summaries: StreamSummary[] = [];
    if (selected.has('account')) summaries.push(await storeAccount(warehouse, account, runId));

    const states = await readSyncStates(warehouse.db);
    // Spooled pages of full reads no longer under way (finished, or died before their state was recorded) are leftovers.
    await spool.removeAllBut(new Map([...states.values()].filter((state) => state.phase === 'backfill' && state.backfill_started_at !== null).map((state) => [state.stream, state.backfill_started_at!])));
    const plan = await planRun({ selected, states, full: Boolean(options.full), serverTime, emit, applied: await readAppliedEvents(warehouse.db) });

    const backfills: StreamBackfill[] = [];
    for (const definition of plan.backfill) {
      const state = states.get(definition.name);
      const resumed = state?.phase === 'backfill' && state.backfill_started_at !== null ? await resumeBackfill(warehouse, definition, state.backfill_started_at, spool) : undefined;
      backfills.push(
        resumed ??
          (await startBackfill(warehouse, definition, {
            t0: serverTime,
            accountCreated: typeof account.created === 'number' ? account.created : undefined,
            runId,
            spool,
            ...(options.windowsPerStream !== undefined ? { windowsPerStream: options.windowsPerStream } : {}),
          })),
      );
    }
    const derivedCounts = new Map<string, MergeCounts>();
    const timings = { mergeMs: 0, splits: 0, earlyLoads: 0 };
    // Customers that other objects name but the customer list does not show (deleted ones) are retrieved by id.
    // Those named by what was read so far are retrieved once the customer list is in its raw table, while the
    // other streams are still read: their requests then share the rate budget with the lists instead of making
    // a tail of their own after the last page. The check after the reads finds the rest.
    let missingCustomers = 0;
    const retrieveMissingCustomers = async (stagedStreams: readonly StreamDefinition[]): Promise<void> => {
      const missing = await findMissingCustomers(warehouse, { stagedStreams });
      missingCustomers += missing.length;
      if (missing.length > 0) await stageMissingCustomers({ writer, reader, pool }, missing);
    };
    let earlyRetrieval: Promise<void> | undefined;
    const onStreamComplete = (stream: string): void => {
      if (stream !== 'customers' || !selected.has('customers')) return;
      earlyRetrieval = retrieveMissingCustomers([]);
      // Awaited after the reads, which rethrows its failure; until then it must not count as unhandled.
      earlyRetrieval.catch(() => undefined);
    };
    try {
      summaries.push(
        ...(await runBackfills(
          // A few windows more than request slots, so a window busy with its commit or sub-lists never leaves a slot idle.
          { warehouse, reader, pool, runId, emit, activeWindowLimit: () => pool.size + 4, derivedCounts, writer, spool, timings, earlyLoadBytes: options.earlyLoadBytes ?? EARLY_LOAD_BYTES, warehouseTurns: new RequestPool(1), onStreamComplete },
          backfills,
        )),
      );
    } finally {
      // Nothing of this run may still write once it has failed.
      await earlyRetrieval?.catch(() => undefined);
    }
    await earlyRetrieval;

    // Changes since the cursors; the server time before reading them is the next cursor.
    const incrementalTime = reader.serverNow();
    const incrementalStreams = [...plan.incremental.eventDriven, ...plan.incremental.createdMode.map((entry) => entry.definition)];
    for (const definition of incrementalStreams) emit({ type: 'stream_started', stream: definition.name, mode: 'incremental' });
    const staged = incrementalStreams.length > 0 ? await stageIncrementalChanges({ writer, reader, pool, emit }, plan.incremental) : { progress: new Map(), applied: [] };
    const { progress } = staged;

    // The rest of the customers other objects name but the customer list does not show (those retrieved
    // already are staged, and not looked for again).
    await writer.flush();
    const backfilledNow = new Set(backfills.map((backfill) => backfill.definition.name));
    const customersComplete = selected.has('customers') && (backfilledNow.has('customers') || plan.incremental.eventDriven.some((definition) => definition.name === 'customers'));
    if (customersComplete) await retrieveMissingCustomers(incrementalStreams);
    await writer.flush();

    // One transaction: staged changes reach the raw tables and the cursors advance together.
    const finalMerge = new Set<string>(incrementalStreams.map((definition) => definition.name));
    if (missingCustomers > 0) finalMerge.add('customers');
    if (selected.has('payment_methods')) finalMerge.add('payment_methods');
    const succeededAt = new Date();
    const finalMergeStarted = performance.now();
    const incrementalSummaries = await warehouse.transaction(async (tx) => {
      const out: StreamSummary[] = [];
      for (const name of finalMerge) {
        const counts = await mergeStaging(tx, name, { syncedAt: succeededAt });
        const read = progress.get(name);
        if (!incrementalStreams.some((definition) => definition.name === name)) {
          addCounts(derivedCounts, name, counts);
          continue;
        }
        const objectCount = await rawRowCount(tx, name);
        await recordIncremental(tx.db, name, { cursor: incrementalTime, runId, objectCount, succeededAt });
        const seconds = read ? (Date.now() - read.startedAtMs) / 1000 : 0;
        out.push({ stream: name, mode: 'incremental', ...counts, seconds, objects: read?.objects ?? 0, pages: read?.pages ?? 0 });
      }
      await recordAppliedEvents(tx.db, staged.applied, incrementalTime - CURSOR_OVERLAP_SECONDS);
      if (customersComplete) await clearCustomerRefs(tx);
      if (selected.has('payment_methods') && !incrementalStreams.some((definition) => definition.name === 'payment_methods')) {
        // Filled by its parents' full reads this run: its events cursor starts where theirs did.
        const parents = backfills.filter((backfill) => streamsEmbedding('payment_methods').some((parent) => parent.name === backfill.definition.name));
        if (parents.length > 0) {
          const objectCount = await rawRowCount(tx, 'payment_methods');
          await recordIncremental(tx.db, 'payment_methods', { cursor: Math.min(...parents.map((parent) => parent.t0)), runId, objectCount, succeededAt });
        }
      }
      return out;
    });
    timings.mergeMs += performance.now() - finalMergeStarted;
    for (const summary of incrementalSummaries) {
      emit({ type: 'stream_finished', stream: summary.stream, mode: 'incremental', counts: summary, seconds: summary.seconds, objects: summary.objects, pages: summary.pages });
    }
    summaries.push(...incrementalSummaries);
    for (const [stream, counts] of derivedCounts) {
      const existing = summaries.findIndex((summary) => summary.stream === stream);
      if (existing >= 0) {
        const prior = summaries[existing]!;
        summaries[existing] = { ...prior, new: prior.new + counts.new, updated: prior.updated + counts.updated, deleted: prior.deleted + counts.deleted };
      } else {
        summaries.push({ stream, mode: backfills.length > 0 ? 'backfill' : 'incremental', ...counts, seconds: (Date.now() - startedMs) / 1000, objects: 0, pages: 0 });
        emit({ type: 'stream_finished', stream, mode: 'backfill', counts, seconds: (Date.now() - startedMs) / 1000, objects: 0, pages: 0 });
      }
    }

    const ordered = streamNames.map((name) => summaries.find((summary) => summary.stream === name)).filter((summary): summary is StreamSummary => Boolean(summary));
    await finishRun(warehouse.db, runId, {
      status: 'succeeded',
      counts: {
        ...Object.fromEntries(ordered.map((summary) => [summary.stream, { mode: summary.mode, new: summary.new, updated: summary.updated, deleted: summary.deleted, objects: summary.objects, pages: summary.pages, seconds: round(summary.seconds) }])),
        _requests: reader.stats.requests,
        _retries: reader.stats.retries,
      },
    });
    return { runId, streams: ordered, requests: reader.stats.requests, retries: reader.stats.retries, notices,
      seconds: (Date.now() - startedMs) / 1000,
      serverTime,
      timings: { commits: writer.commits, commitSeconds: writer.commitMs / 1000, mergeSeconds: timings.mergeMs / 1000, windowSplits: timings.splits, earlyLoads: timings.earlyLoads },
    };
  } catch (error) {
    const failure = sanitizeError(error, options.apiKey);
    // Pages read before the failure are valid progress: let them commit before the warehouse may be closed.
    await writer.flush().catch(() => undefined);
    await finishRun(warehouse.db, runId, { status: 'failed', counts: { _requests: reader.stats.requests, _retries: reader.stats.retries }, error: failure.message }).catch(() => undefined);
    throw failure;
  } finally {
    reader.close();
    spool.dispose();
  }
}

function selectStreams(names: readonly string[] | undefined): Set<string> {
  if (!names || names.length === 0) return new Set(streamNames);
  const out = new Set<string>();
  for (const name of names) {
    if (!streamByName(name)) throw new UsageError(`The stream ${JSON.stringify(name)} is not one of ${streamNames.join(', ')}.`);
    out.add(name);
  }
  return out;
}

interface RunPlan {
  readonly backfill: StreamDefinition[];
  readonly incremental: IncrementalPlan;
}

/** Decides per stream: backfill (new, resumed, --full, or stale cursor) or incremental. */
async function planRun(options: { selected: Set<string>; states: Map<string, SyncState>; full: boolean; serverTime: number; emit: ProgressListener; applied: ReadonlySet<string> }): Promise<RunPlan> {
  const backfill: StreamDefinition[] = [];
  const eventDriven: StreamDefinition[] = [];
  const createdMode: { definition: StreamDefinition; cursor: number }[] = [];
  const stale: { name: string; days: number }[] = [];
  for (const definition of streams) {
    if (!options.selected.has(definition.name) || definition.incremental === 'singleton') continue;
    const state = options.states.get(definition.name);
    const cursor = state?.events_cursor ?? null;
    const isStale = cursor !== null && options.serverTime - cursor > STALE_CURSOR_SECONDS;
    if (definition.incremental === 'derived') {
      // Filled by its parents' reads; kept current by its own events once it has a cursor.
      if (state?.phase === 'incremental' && cursor !== null && !isStale && !options.full) eventDriven.push(definition);
      continue;
    }
    if (!state || state.phase === 'backfill' || cursor === null) {
      backfill.push(definition);
    } else if (options.full) {
      backfill.push(definition);
    } else if (definition.incremental === 'created') {
      createdMode.push({ definition, cursor });
    } else if (isStale) {
      stale.push({ name: definition.name, days: Math.floor((options.serverTime - cursor) / 86_400) });
      backfill.push(definition);
    } else {
      eventDriven.push(definition);
    }
  }
  if (stale.length > 0) {
    const days = Math.max(...stale.map((entry) => entry.days));
    options.emit({
      type: 'notice',
      message: `The last sync of ${stale.map((entry) => entry.name).join(', ')} is ${days} days old and Stripe keeps events for 30 days only, so these streams are read in full this time.`,
    });
  }
  const cursors = eventDriven.map((definition) => options.states.get(definition.name)?.events_cursor).filter((value): value is number => typeof value === 'number');
  return {
    backfill,
    incremental: { eventDriven, eventsCursor: cursors.length > 0 ? Math.min(...cursors) : undefined, createdMode, applied: options.applied },
  };
}

async function readAppliedEvents(db: Db): Promise<Set<string>> {
  const rows = await db.selectFrom('meta.stripe_applied_events').select(['stream', 'event_id']).execute();
  return new Set(rows.map((row) => `${row.stream}\u0000${row.event_id}`));
}

/** Keeps the events applied within the overlap of the new cursor, and forgets older ones (no later run re-reads them). */
async function recordAppliedEvents(db: Db, applied: readonly AppliedEvent[], keepFrom: number): Promise<void> {
  await db.deleteFrom('meta.stripe_applied_events').where('created', '<', keepFrom).execute();
  const fresh = new Map<string, AppliedEvent>();
  for (const event of applied) if (event.created >= keepFrom) fresh.set(`${event.stream}\u0000${event.eventId}`, event);
  if (fresh.size === 0) return;
  await db
    .insertInto('meta.stripe_applied_events')
    .values([...fresh.values()].map((event) => ({ stream: event.stream, event_id: event.eventId, created: event.created })))
    .onConflict((conflict) => conflict.columns(['stream', 'event_id']).doNothing())
    .execute();
}

/** The account is one object, read at the start of every run: stored at once. */
async function storeAccount(warehouse: Warehouse, account: StripeObject, runId: string): Promise<StreamSummary> {
  const started = Date.now();
  const syncedAt = new Date();
  const counts = await warehouse.transaction(async (tx) => {
    await stageRows(tx, 'account', [{ id: account.id, data: account, deleted: false, syncedAt }]);
    const merged = await mergeStaging(tx, 'account', { syncedAt });
    await recordIncremental(tx.db, 'account', { cursor: null, runId, objectCount: await rawRowCount(tx, 'account'), succeededAt: syncedAt });
    return merged;
  });
  return { stream: 'account', mode: 'incremental' as StreamMode, ...counts, seconds: (Date.now() - started) / 1000, objects: 1, pages: 1 };
}

/** Errors leave here as one sentence without the key, whatever raised them. */
function sanitizeError(error: unknown, apiKey: string): Error {
  const message = redactSecrets(error instanceof Error ? error.message : String(error), apiKey);
  if (error instanceof UsageError) return new UsageError(message);
  if (error instanceof WorkError) return new WorkError(message);
  return new WorkError(`The Stripe extract failed: ${message.split('\n')[0]}`);
}

const round = (value: number): number => Math.round(value * 100) / 100;

export { CURSOR_OVERLAP_SECONDS };
