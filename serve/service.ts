import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { EventSpool, spoolDirFor } from '../extract/webhooks/spool.js';
import { BackgroundReports } from '../refresh/backgroundReports.js';
import { RefreshCoordinator, type RunOutcome } from '../refresh/coordinator.js';
import type { RefreshStepEvent, RefreshTrigger } from '../refresh/runRefresh.js';
import { startSchedule, type RefreshSchedule } from '../refresh/schedule.js';
import type { StripeSource } from '../refresh/source.js';
import { reportsPathsFor } from '../reports/paths.js';
import type { VarValue } from '../transform/projectSettings.js';
import { publishedPathFor } from '../warehouse/publish.js';
import { Warehouse } from '../warehouse/warehouse.js';
import { startHttpServer, WEBHOOK_PATH, type ServeHttpServer } from './httpServer.js';
import { createWebhookEndpoint } from './webhookEndpoint.js';

/**
 * `tributary serve` as a function: the HTTP server (webhooks, /healthz, the
 * reports), the refresh coordinator with its schedule, and the background
 * rebuild of the reports' site. `start` uses it too, after its first refresh.
 */
export interface ServiceOptions {
  readonly warehousePath: string;
  readonly projectDir: string;
  readonly source: StripeSource;
  readonly vars: () => Readonly<Record<string, VarValue>>;
  readonly port: number;
  readonly webhookSecret: string | undefined;
  readonly schedule: { readonly cron: string; readonly timezone: string };
  /** Rebuild the reports' site after refreshes (in the background). */
  readonly reports: boolean;
  readonly reportingCurrency?: string | undefined;
  readonly logger: Logger;
  readonly beforeRun?: () => void;
  /** Step progress of a run (start prints its first refresh's steps). */
  readonly onStep?: (trigger: RefreshTrigger, event: RefreshStepEvent) => void;
  readonly debounceMs?: number;
  readonly lockWaitMs?: number;
}

export interface Service {
  readonly url: string;
  readonly port: number;
  readonly coordinator: RefreshCoordinator;
  readonly reports: BackgroundReports | null;
  readonly spool: EventSpool;
  health(): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startService(options: ServiceOptions): Promise<Service> {
  const { logger } = options;
  const spool = new EventSpool(spoolDirFor(options.warehousePath));
  spool.prune();
  const reports = options.reports
    ? new BackgroundReports({
        warehousePath: options.warehousePath,
        reportingCurrency: options.reportingCurrency,
        onBuilt: (outcome) => {
          if (outcome.ok) logger.info({ seconds: round(outcome.seconds), pages: outcome.pages }, 'reports rebuilt');
          else logger.error({ seconds: round(outcome.seconds), error: outcome.error }, 'reports rebuild failed; the previous site stays up');
        },
      })
    : null;

  const coordinator = new RefreshCoordinator(
    {
      warehousePath: options.warehousePath,
      projectDir: options.projectDir,
      source: options.source,
      vars: options.vars,
      spool,
      ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
      ...(options.lockWaitMs !== undefined ? { lockWaitMs: options.lockWaitMs } : {}),
      ...(options.beforeRun ? { beforeRun: options.beforeRun } : {}),
      ...(options.onStep ? { onStep: options.onStep } : {}),
      onEventsGivenUp: (ids) => logger.warn({ events: ids }, "Stripe's event list never showed these webhook events (another account's?); no longer waiting for them"),
      onLockWait: (holder) => logger.info({ holderPid: holder.pid, holderCommand: holder.command, holderStartedAt: holder.startedAt }, 'waiting for another writer to finish'),
      onRunFinished: (outcome) => {
        logRun(logger, outcome);
        // The site follows the marts; a run that rebuilt it inline needs no second build.
        if (outcome.ok && reports) {
          if (outcome.result.reports) reports.noteBuilt(outcome.endedAt);
          else reports.request({ now: outcome.trigger !== 'webhook' || !reports.state.builtAt });
        }
      },
    },
    { lastSuccessAt: await lastSuccessfulRefresh(options.warehousePath) },
  );

  const webhooksEnabled = Boolean(options.webhookSecret);
  const http: ServeHttpServer = await startHttpServer({
    port: options.port,
    siteDir: reportsPathsFor(options.warehousePath).siteDir,
    notBuiltMessage: 'The reports have not been built yet: they are built after the first refresh (about two minutes); reload this page then.',
    webhook: createWebhookEndpoint({
      secret: options.webhookSecret,
      spool,
      onStored: (event, outcome) => {
        logger.info({ eventId: event.id, eventType: event.type, duplicate: outcome === 'duplicate' }, outcome === 'stored' ? 'webhook event stored' : 'webhook event already stored');
        if (outcome === 'stored') coordinator.eventsArrived();
      },
      onRejected: (reason) => logger.warn({ reason }, 'webhook rejected'),
    }),
    health: () => health(),
    logger,
  });

  let schedule: RefreshSchedule;
  try {
    schedule = startSchedule({
      cron: options.schedule.cron,
      timezone: options.schedule.timezone,
      run: () => coordinator.run('schedule'),
      onNotice: (message) => logger.debug({ schedule: options.schedule.cron }, message),
    });
  } catch (error) {
    await http.close();
    throw error;
  }

  const health = (): Record<string, unknown> => {
    const state = coordinator.state;
    const last = state.lastOutcome;
    return {
      status: 'ok',
      lastSuccessfulRefreshAt: state.lastSuccessAt?.toISOString() ?? null,
      runInProgress: state.running !== null,
      currentRun: state.running ? { trigger: state.running.trigger, startedAt: state.running.startedAt.toISOString(), events: state.running.events } : null,
      lastRun: last
        ? {
            trigger: last.trigger,
            status: last.ok ? 'succeeded' : 'failed',
            startedAt: last.startedAt.toISOString(),
            endedAt: last.endedAt.toISOString(),
            ...(last.ok ? { runId: last.result.runId } : { error: last.error.message }),
          }
        : null,
      pendingWebhookEvents: state.pendingEvents,
      webhooks: webhooksEnabled ? 'enabled' : 'disabled: STRIPE_WEBHOOK_SECRET is not set',
      schedule: { cron: schedule.cron, timezone: schedule.timezone, nextRunAt: schedule.nextRunAt()?.toISOString() ?? null },
      reports: reports
        ? { builtAt: reports.state.builtAt?.toISOString() ?? null, building: reports.state.building, lastError: reports.state.lastError }
        : { rebuilding: 'off' },
      source: options.source.kind,
    };
  };

  logger.info(
    { url: http.url, webhooks: webhooksEnabled ? `POST ${WEBHOOK_PATH}` : 'off', schedule: options.schedule.cron, timezone: options.schedule.timezone, source: options.source.kind },
    'serving',
  );
  if (!webhooksEnabled) logger.warn(`STRIPE_WEBHOOK_SECRET is not set, so POST ${WEBHOOK_PATH} refuses every delivery; set it to the endpoint's signing secret (whsec_...) to receive events.`);
  const waiting = spool.pending().length;
  if (waiting > 0) {
    logger.info({ events: waiting }, 'webhook events received before a restart are waiting; applying them');
    coordinator.eventsArrived();
  }

  let closing: Promise<void> | null = null;
  return {
    url: http.url,
    port: http.port,
    coordinator,
    reports,
    spool,
    health,
    close: () => {
      closing ??= (async () => {
        await schedule.stop();
        await http.close();
        await coordinator.close();
        await reports?.close();
      })();
      return closing;
    },
  };
}

function logRun(logger: Logger, outcome: RunOutcome): void {
  const seconds = round((outcome.endedAt.getTime() - outcome.startedAt.getTime()) / 1000);
  if (outcome.ok) {
    const { result } = outcome;
    const steps = Object.fromEntries(result.steps.map((step) => [step.step, round(step.seconds)]));
    const extract = result.steps.find((step) => step.step === 'extract')?.counts ?? {};
    logger.info(
      { runId: result.runId, trigger: outcome.trigger, seconds, events: result.events, unlistedEvents: result.unlistedEvents.length || undefined, steps, new: extract['new'], updated: extract['updated'], deleted: extract['deleted'], requests: extract['requests'] },
      'refresh finished',
    );
  } else {
    logger.error({ trigger: outcome.trigger, seconds, events: outcome.events, error: outcome.error.message }, 'refresh failed');
  }
}

/** From the published copy, so serve knows it at start without taking the writer lock. */
async function lastSuccessfulRefresh(warehousePath: string): Promise<Date | null> {
  const path = publishedPathFor(warehousePath);
  if (!existsSync(path)) return null;
  try {
    const copy = await Warehouse.open({ path, readOnly: true });
    try {
      const row = await copy.one<{ at: Date | null }>(`select max(ended_at) as at from meta.runs where command = 'refresh' and status = 'succeeded'`);
      return row?.at ? new Date(row.at) : null;
    } finally {
      await copy.close();
    }
  } catch {
    return null;
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
