import { randomUUID } from 'node:crypto';
import type { Db } from './state.js';

/**
 * meta.runs: one row per run of a command, written when it starts (status
 * 'running') and when it ends ('succeeded' or 'failed' with the error). A run
 * killed outright stays 'running' until a later run finds its process gone
 * and marks it 'interrupted'.
 */
export const EXTRACT_COMMAND = 'extract stripe';

export async function startRun(db: Db, options: { command?: string; pid?: number; startedAt?: Date } = {}): Promise<string> {
  const runId = randomUUID();
  await markInterruptedRuns(db, options.command ?? EXTRACT_COMMAND);
  await db
    .insertInto('meta.runs')
    .values({
      run_id: runId,
      command: options.command ?? EXTRACT_COMMAND,
      started_at: options.startedAt ?? new Date(),
      ended_at: null,
      status: 'running',
      counts: null,
      error: null,
      pid: options.pid ?? process.pid,
    })
    .execute();
  return runId;
}

export async function finishRun(db: Db, runId: string, outcome: { status: 'succeeded' | 'failed'; counts: Record<string, unknown>; error?: string; endedAt?: Date }): Promise<void> {
  await db
    .updateTable('meta.runs')
    .set({ ended_at: outcome.endedAt ?? new Date(), status: outcome.status, counts: JSON.stringify(outcome.counts), error: outcome.error ?? null })
    .where('run_id', '=', runId)
    .execute();
}

/** Runs of this command left 'running' by a process that no longer exists. */
async function markInterruptedRuns(db: Db, command: string): Promise<void> {
  const running = await db.selectFrom('meta.runs').select(['run_id', 'pid']).where('command', '=', command).where('status', '=', 'running').execute();
  for (const run of running) {
    if (run.pid !== null && run.pid !== process.pid && isAlive(run.pid)) continue;
    await db.updateTable('meta.runs').set({ status: 'interrupted', ended_at: new Date() }).where('run_id', '=', run.run_id).execute();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
