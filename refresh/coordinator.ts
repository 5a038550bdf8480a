import { EventSpool } from '../extract/webhooks/spool.js';
import type { VarValue } from '../transform/projectSettings.js';
import { openWarehouseForWriting } from '../warehouse/writerLock.js';
import { runRefresh, type RefreshResult, type RefreshStepEvent, type RefreshTrigger, type ReportsStepSettings } from './runRefresh.js';
import type { StripeSource } from './source.js';

/**
 * The refreshes of a long-running `serve`, one at a time. Three things ask for
 * one: the schedule, webhook events (debounced: a burst of events is one
 * refresh, started a moment after the last of them and never later than a
 * bound after the first), and `start`'s first refresh. They queue here, so a
 * scheduled run never overlaps a webhook-triggered one. Each run takes the
 * writer lock only for itself, so a manual `tributary import crm` can run
 * while serve idles.
 *
 * Every run applies the events waiting in the spool when it starts: the
 * incremental extract reads Stripe's events since its cursor and refetches the
 * objects they name (with the expansions the raw tables keep, and their
 * current state, whatever order the deliveries came in), then the build and
 * publish put them in the marts. Only after that has committed are the events
 * moved out of the spool, so a crash at any point leaves them to the next run.
 */
export interface CoordinatorOptions {
  readonly warehousePath: string;
  readonly projectDir: string;
  readonly source: StripeSource;
  /** Computed per run: `now` moves on while serve runs (unless TRIBUTARY_NOW pins it). */
  readonly vars: () => Readonly<Record<string, VarValue>>;
  readonly spool: EventSpool;
  /** How long a run waits for another writer (a manual import, say) before giving up; default 10 minutes. */
  readonly lockWaitMs?: number;
  /** Quiet time after the last event before the refresh starts; default 2 s. */
  readonly debounceMs?: number;
  /** Longest wait after the first pending event, however many follow; default 15 s. */
  readonly maxDelayMs?: number;
  /** After a failed run with events still waiting, or events Stripe's list did not show yet, try again after this long; default 30 s. */
  readonly retryDelayMs?: number;
  /** An event Stripe's list never shows (another account's, say) stops being retried once this old and missed by two runs; default 15 minutes. */
  readonly unlistedGiveUpMs?: number;
  readonly onEventsGivenUp?: (ids: readonly string[]) => void;
  /** Called before each run (the demo account's clock follows the real one). */
  readonly beforeRun?: () => void;
  readonly onRunStarted?: (run: RunningRefresh) => void;
  readonly onRunFinished?: (outcome: RunOutcome) => void;
  readonly onStep?: (trigger: RefreshTrigger, event: RefreshStepEvent) => void;
  readonly onLockWait?: (holder: { pid: number; command: string; startedAt: string }) => void;
}

export interface RunningRefresh {
  readonly trigger: RefreshTrigger;
  readonly startedAt: Date;
  readonly events: number;
}

export type RunOutcome =
  | { readonly ok: true; readonly trigger: RefreshTrigger; readonly startedAt: Date; readonly endedAt: Date; readonly result: RefreshResult }
  | { readonly ok: false; readonly trigger: RefreshTrigger; readonly startedAt: Date; readonly endedAt: Date; readonly error: Error; readonly events: number };

export interface RunRequest {
  readonly full?: boolean;
  /** Rebuild the site inside the run (start's first refresh when there is no site yet). */
  readonly reports?: ReportsStepSettings | false;
}

export interface CoordinatorState {
  readonly running: RunningRefresh | null;
  readonly queued: number;
  readonly lastSuccessAt: Date | null;
  readonly lastOutcome: RunOutcome | null;
  readonly pendingEvents: number;
}

export class RefreshCoordinator {
  private chain: Promise<unknown> = Promise.resolve();
  private queuedRuns = 0;
  private webhookRunQueued = false;
  private running: RunningRefresh | null = null;
  private lastSuccessAt: Date | null;
  private lastOutcome: RunOutcome | null = null;
  private debounceTimer: NodeJS.Timeout | null = null;
  private firstPendingAt: number | null = null;
  private closed = false;
  /** Events the last run kept because Stripe's list did not show them yet, with the runs that missed them. */
  private unlisted = new Map<string, number>();

  constructor(
    private readonly options: CoordinatorOptions,
    initial: { lastSuccessAt: Date | null } = { lastSuccessAt: null },
  ) {
    this.lastSuccessAt = initial.lastSuccessAt;
  }

  get state(): CoordinatorState {
    return {
      running: this.running,
      queued: this.queuedRuns,
      lastSuccessAt: this.lastSuccessAt,
      lastOutcome: this.lastOutcome,
      pendingEvents: this.options.spool.pending().length,
    };
  }

  /** Queues a run; resolves with its outcome when it is over (it never rejects), or null for a webhook run with nothing left to apply. */
  run(trigger: RefreshTrigger, request: RunRequest = {}): Promise<RunOutcome | null> {
    this.queuedRuns++;
    const outcome = this.chain.then(() => this.execute(trigger, request));
    this.chain = outcome;
    return outcome;
  }

  /** A webhook event was stored: refresh soon, once for a burst. */
  eventsArrived(): void {
    if (this.closed) return;
    const now = Date.now();
    this.firstPendingAt ??= now;
    const debounce = this.options.debounceMs ?? 2_000;
    const latest = this.firstPendingAt + (this.options.maxDelayMs ?? 15_000);
    this.arm(Math.max(0, Math.min(now + debounce, latest) - now));
  }

  /** Waits for the runs queued so far. */
  async idle(): Promise<void> {
    for (;;) {
      const chain = this.chain;
      await chain.catch(() => undefined);
      if (chain === this.chain) return;
    }
  }

  /** Stops asking for runs and waits for the one under way (a run is never cut off halfway: the build would roll back anyway). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    await this.idle();
  }

  private arm(delayMs: number): void {
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = null;
      this.firstPendingAt = null;
      // A queued webhook run has not taken its snapshot of the spool yet: it will see these events too.
      if (this.webhookRunQueued) return;
      this.webhookRunQueued = true;
      void this.run('webhook');
    }, delayMs);
  }

  private async execute(trigger: RefreshTrigger, request: RunRequest): Promise<RunOutcome | null> {
    this.queuedRuns--;
    if (trigger === 'webhook') this.webhookRunQueued = false;
    const events = this.options.spool.pending();
    const startedAt = new Date();
    // An earlier run (a scheduled one, say) applied them all.
    if (trigger === 'webhook' && events.length === 0) return null;
    this.running = { trigger, startedAt, events: events.length };
    this.options.onRunStarted?.(this.running);
    let outcome: RunOutcome;
    try {
      const warehouse = await openWarehouseForWriting({
        warehouse: { path: this.options.warehousePath },
        command: `serve (${trigger} refresh)`,
        waitMs: this.options.lockWaitMs ?? 600_000,
        ...(this.options.onLockWait ? { onWait: this.options.onLockWait } : {}),
      });
      let result: RefreshResult;
      try {
        this.options.beforeRun?.();
        result = await runRefresh({
          warehouse,
          source: this.options.source,
          projectDir: this.options.projectDir,
          vars: this.options.vars(),
          trigger,
          events,
          ...(request.full ? { full: true } : {}),
          ...(request.reports ? { reports: request.reports } : {}),
          ...(this.options.onStep ? { onStep: (event: RefreshStepEvent) => this.options.onStep!(trigger, event) } : {}),
        });
      } finally {
        await warehouse.close();
      }
      const giveUpBefore = Date.now() - (this.options.unlistedGiveUpMs ?? 15 * 60_000);
      const misses = new Map<string, number>();
      for (const id of result.unlistedEvents) misses.set(id, (this.unlisted.get(id) ?? 0) + 1);
      const givenUp = events.filter((event) => (misses.get(event.id) ?? 0) >= 2 && event.receivedAt.getTime() < giveUpBefore).map((event) => event.id);
      if (givenUp.length > 0) this.options.onEventsGivenUp?.(givenUp);
      this.options.spool.markApplied([...result.appliedEvents, ...givenUp]);
      this.options.spool.prune();
      for (const id of givenUp) misses.delete(id);
      this.unlisted = misses;
      // One instant: health reports the last success and the run's end as the same time.
      const endedAt = new Date();
      this.lastSuccessAt = endedAt;
      outcome = { ok: true, trigger, startedAt, endedAt, result };
    } catch (error) {
      outcome = { ok: false, trigger, startedAt, endedAt: new Date(), error: error instanceof Error ? error : new Error(String(error)), events: events.length };
    } finally {
      this.running = null;
    }
    this.lastOutcome = outcome;
    this.options.onRunFinished?.(outcome);
    this.followUp(outcome);
    return outcome;
  }

  /**
   * Events that arrived during the run get a run of their own, soon; events a
   * failed run could not apply, or that Stripe's list did not show yet, are
   * tried again after the retry delay.
   */
  private followUp(outcome: RunOutcome): void {
    const pending = this.options.spool.pending();
    if (this.closed || pending.length === 0) return;
    const fresh = pending.some((event) => !this.unlisted.has(event.id));
    if (outcome.ok && fresh) this.eventsArrived();
    else if (!this.debounceTimer) this.arm(this.options.retryDelayMs ?? 30_000);
  }
}
