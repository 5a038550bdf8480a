import { performance } from 'node:perf_hooks';
import { UsageError, WorkError } from '../errors/index.js';
import type { SpooledEvent } from '../extract/webhooks/spool.js';
import { extractStripe } from '../extract/stripe/extractStripe.js';
import type { ExtractSummary, ProgressListener } from '../extract/stripe/progress.js';
import { finishRun, startRun } from '../extract/stripe/runs.js';
import type { BuildStep, BuiltReports } from '../reports/buildReports.js';
import { buildProject, type BuildResult, type ModelResult } from '../transform/build.js';
import type { TestResult } from '../transform/dataTests.js';
import type { VarValue } from '../transform/projectSettings.js';
import { publishWarehouse } from '../warehouse/publish.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { checkSameAccount } from './accountGuard.js';
import { holdPublishedCopy, type HeldPublishedCopy } from './publishedBackup.js';
import { rebuildReports } from './reportsStep.js';
import type { StripeSource } from './source.js';

/**
 * One refresh: extract (incremental unless a full read is due), build (every
 * model and data test in one transaction), publish the marts for readers, and
 * optionally rebuild the reports' site. One run id (a `meta.runs` row, command
 * 'refresh') ties the steps together; each step's timing and counts go to
 * `meta.refresh_steps`. A step that fails stops the refresh and leaves
 * readers on the last good run: the extract changes only raw tables, the
 * build rolls back, a failed publish keeps the old copy, and a failed reports
 * build puts the previous published copy back (the old site is never
 * replaced by a failed build).
 *
 * The caller opens the warehouse under the writer lock and closes it.
 */
export const refreshSteps = ['extract', 'build', 'publish', 'reports'] as const;
export type RefreshStepName = (typeof refreshSteps)[number];

/** Why a refresh ran: the CLI, `start`, the schedule, webhook events, or events left from before a restart. */
export type RefreshTrigger = 'manual' | 'start' | 'schedule' | 'webhook';

export const REFRESH_COMMAND = 'refresh';

export interface ReportsStepSettings {
  readonly reportingCurrency?: string | undefined;
  readonly signal?: AbortSignal;
  readonly onStep?: (step: BuildStep) => void;
}

export interface RefreshOptions {
  readonly warehouse: Warehouse;
  readonly source: StripeSource;
  /** Where models/, seeds/ and tributary.yml are. */
  readonly projectDir: string;
  readonly vars: Readonly<Record<string, VarValue>>;
  readonly trigger: RefreshTrigger;
  /** Re-read every Stripe object (also done when the source needs it). */
  readonly full?: boolean;
  /** Rebuild the reports' site as the last step; absent or false leaves the site as it is. */
  readonly reports?: ReportsStepSettings | false;
  /** Webhook events whose objects this refresh brings in; recorded in meta.webhook_events. */
  readonly events?: readonly SpooledEvent[];
  readonly onStep?: (event: RefreshStepEvent) => void;
  readonly onExtractProgress?: ProgressListener;
  readonly onModel?: (result: ModelResult) => void;
  readonly onTest?: (result: TestResult) => void;
  readonly onWarning?: (message: string) => void;
}

export interface StepRecord {
  readonly step: RefreshStepName;
  readonly position: number;
  /** The step's own meta.runs row (the extract's, the build's). */
  readonly stepRunId: string | null;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly seconds: number;
  readonly status: 'ok' | 'failed';
  readonly counts: Record<string, unknown>;
  readonly error: string | null;
}

export type RefreshStepEvent =
  | { readonly type: 'started'; readonly step: RefreshStepName; readonly position: number; readonly of: number }
  | { readonly type: 'finished'; readonly record: StepRecord; readonly of: number };

export interface RefreshResult {
  readonly runId: string;
  readonly trigger: RefreshTrigger;
  readonly steps: readonly StepRecord[];
  readonly seconds: number;
  readonly publishedPath: string;
  readonly extract: ExtractSummary;
  readonly build: BuildResult;
  readonly reports?: BuiltReports;
  readonly events: number;
  /** Webhook events the extract found in Stripe's event list (so it refetched what they name), recorded in meta.webhook_events. */
  readonly appliedEvents: readonly string[];
  /** Webhook events the event list did not show yet: their objects may not be current; the caller keeps them for a later run. */
  readonly unlistedEvents: readonly string[];
}

/** The error a failed refresh throws: "refresh failed at <step>: <cause>", with the cause's exit status. */
export type RefreshFailure = (WorkError | UsageError) & { readonly step: RefreshStepName; readonly runId: string };

export async function runRefresh(options: RefreshOptions): Promise<RefreshResult> {
  const started = performance.now();
  const { warehouse, source } = options;
  const withReports = Boolean(options.reports);
  const of = withReports ? 4 : 3;
  const steps: StepRecord[] = [];
  const full = Boolean(options.full) || source.needsFullRead;
  const events = options.events ?? [];
  const runId = await startRun(warehouse.db, { command: REFRESH_COMMAND });
  const runCounts = (): Record<string, unknown> => ({
    trigger: options.trigger,
    source: source.kind,
    full,
    events: events.length,
    steps: Object.fromEntries(steps.map((step) => [step.step, { status: step.status, seconds: round(step.seconds), ...step.counts }])),
  });

  const step = async <T>(name: RefreshStepName, work: () => Promise<{ value: T; counts: Record<string, unknown>; stepRunId?: string | null }>): Promise<T> => {
    const position = steps.length + 1;
    options.onStep?.({ type: 'started', step: name, position, of });
    const startedAt = new Date();
    const t0 = performance.now();
    try {
      const { value, counts, stepRunId } = await work();
      const record: StepRecord = { step: name, position, stepRunId: stepRunId ?? null, startedAt, endedAt: new Date(), seconds: secondsSince(t0), status: 'ok', counts, error: null };
      steps.push(record);
      await recordStep(warehouse, runId, record);
      options.onStep?.({ type: 'finished', record, of });
      return value;
    } catch (error) {
      const failure = refreshFailure(name, runId, error);
      const record: StepRecord = { step: name, position, stepRunId: null, startedAt, endedAt: new Date(), seconds: secondsSince(t0), status: 'failed', counts: {}, error: causeOf(error) };
      steps.push(record);
      // Bookkeeping must not hide the failure it records.
      await recordStep(warehouse, runId, record).catch(() => undefined);
      await finishRun(warehouse.db, runId, { status: 'failed', counts: runCounts(), error: failure.message }).catch(() => undefined);
      options.onStep?.({ type: 'finished', record, of });
      throw failure;
    }
  };

  const extract = await step('extract', async () => {
    await checkSameAccount(warehouse, source);
    const summary = await extractStripe({
      warehouse,
      apiKey: source.apiKey,
      apiBase: source.apiBase,
      rate: source.rate,
      full,
      ...(options.onExtractProgress ? { onProgress: options.onExtractProgress } : {}),
    });
    source.needsFullRead = false;
    return { value: summary, counts: extractCounts(summary, full), stepRunId: summary.runId };
  });

  const build = await step('build', async () => {
    const result = await buildProject({
      warehouse,
      projectDir: options.projectDir,
      vars: options.vars,
      publish: false,
      ...(options.onModel ? { onModel: options.onModel } : {}),
      ...(options.onTest ? { onTest: options.onTest } : {}),
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    });
    return { value: result, counts: { models: result.models.length, tests: result.tests.length, warnings: result.warnings.length }, stepRunId: result.runId };
  });

  let listed = new Set<string>();
  let held: HeldPublishedCopy | undefined;
  const publishedPath = await step('publish', async () => {
    listed = await listedEvents(warehouse, events);
    await recordAppliedEvents(warehouse, runId, events.filter((event) => listed.has(event.id)));
    // The run is recorded as done before publishing, so the published meta shows it finished.
    await finishRun(warehouse.db, runId, { status: 'succeeded', counts: runCounts() });
    held = withReports ? holdPublishedCopy(warehouse.path) : undefined;
    try {
      const published = await publishWarehouse(warehouse);
      return { value: published.path, counts: { tables: published.tables.length } };
    } catch (error) {
      held?.discard();
      throw error;
    }
  });

  let reports: BuiltReports | undefined;
  if (options.reports) {
    const settings = options.reports;
    try {
      reports = await step('reports', async () => {
        const built = await rebuildReports({
          warehousePath: warehouse.path,
          reportingCurrency: settings.reportingCurrency,
          ...(settings.onStep ? { onStep: settings.onStep } : {}),
          ...(settings.signal ? { signal: settings.signal } : {}),
        });
        return { value: built, counts: { pages: built.pages, bytes: built.bytes, sources_seconds: round(built.sourcesSeconds), site_seconds: round(built.siteSeconds) } };
      });
    } catch (error) {
      held?.restore();
      throw error;
    }
    held?.discard();
  }
  await finishRun(warehouse.db, runId, { status: 'succeeded', counts: runCounts() });
  return {
    runId,
    trigger: options.trigger,
    steps,
    seconds: secondsSince(started),
    publishedPath,
    extract,
    build,
    ...(reports ? { reports } : {}),
    events: events.length,
    appliedEvents: events.filter((event) => listed.has(event.id)).map((event) => event.id),
    unlistedEvents: events.filter((event) => !listed.has(event.id)).map((event) => event.id),
  };
}

function extractCounts(summary: ExtractSummary, full: boolean): Record<string, unknown> {
  const total = (key: 'new' | 'updated' | 'deleted') => summary.streams.reduce((sum, stream) => sum + stream[key], 0);
  return { full, streams: summary.streams.length, new: total('new'), updated: total('updated'), deleted: total('deleted'), requests: summary.requests, retries: summary.retries };
}

async function recordStep(warehouse: Warehouse, runId: string, record: StepRecord): Promise<void> {
  await warehouse.db
    .insertInto('meta.refresh_steps')
    .values({
      run_id: runId,
      step: record.step,
      position: record.position,
      step_run_id: record.stepRunId,
      started_at: record.startedAt,
      ended_at: record.endedAt,
      seconds: round(record.seconds),
      status: record.status,
      counts: JSON.stringify(record.counts),
      error: record.error,
    })
    .execute();
}

/**
 * Which webhook events the extract has seen in Stripe's event list (it keeps
 * the list in raw_stripe.events): for those, the objects they name have been
 * refetched, now or by an earlier run. An event the list does not show yet
 * (the list can trail a delivery) is left for a later run, which reads the
 * list again from a minute before this run's cursor.
 */
async function listedEvents(warehouse: Warehouse, events: readonly SpooledEvent[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const ids = events.map((event) => event.id);
  const rows = await warehouse.all<{ id: string }>(`select id from raw_stripe.events where id in (${ids.map(() => '?').join(', ')})`, ids);
  return new Set(rows.map((row) => row.id));
}

async function recordAppliedEvents(warehouse: Warehouse, runId: string, events: readonly SpooledEvent[]): Promise<void> {
  if (events.length === 0) return;
  const appliedAt = new Date();
  await warehouse.db
    .insertInto('meta.webhook_events')
    .values(
      events.map((event) => ({
        event_id: event.id,
        event_type: event.type,
        created_at: new Date(event.created * 1000),
        received_at: event.receivedAt,
        applied_at: appliedAt,
        run_id: runId,
      })),
    )
    .onConflict((conflict) => conflict.column('event_id').doNothing())
    .execute();
}

function refreshFailure(step: RefreshStepName, runId: string, error: unknown): RefreshFailure {
  const message = `refresh failed at ${step}: ${causeOf(error)}`;
  const failure = error instanceof UsageError ? new UsageError(message, { cause: error }) : new WorkError(message, { cause: error });
  return Object.assign(failure, { step, runId });
}

/** The cause's first line: DuckDB and Evidence messages can run on for pages. */
function causeOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}

function secondsSince(t0: number): number {
  return (performance.now() - t0) / 1000;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
