import cron, { type ScheduledTask } from 'node-cron';

/**
 * The nightly refresh: a node-cron task on TRIBUTARY_SCHEDULE in
 * TRIBUTARY_TZ. `noOverlap` keeps a tick from starting while the previous
 * run is still going (the task awaits the whole run); the refresh
 * coordinator keeps it from overlapping webhook-triggered runs.
 */
export interface ScheduleOptions {
  readonly cron: string;
  readonly timezone: string;
  /** Resolves when the run is over, failed or not. */
  readonly run: () => Promise<unknown>;
  /** node-cron's own notices (a tick skipped because a run was still going). */
  readonly onNotice?: (message: string) => void;
}

export interface RefreshSchedule {
  readonly cron: string;
  readonly timezone: string;
  nextRunAt(): Date | null;
  stop(): Promise<void>;
}

export function startSchedule(options: ScheduleOptions): RefreshSchedule {
  const notice = options.onNotice ?? (() => undefined);
  const task: ScheduledTask = cron.schedule(
    options.cron,
    async () => {
      await options.run();
    },
    {
      timezone: options.timezone,
      noOverlap: true,
      name: 'tributary-refresh',
      logger: {
        info: notice,
        warn: notice,
        error: (message) => notice(message instanceof Error ? message.message : message),
        debug: () => undefined,
      },
    },
  );
  return {
    cron: options.cron,
    timezone: options.timezone,
    nextRunAt: () => task.getNextRun(),
    stop: async () => {
      await task.stop();
      await task.destroy();
    },
  };
}
