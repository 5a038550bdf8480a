import { randomUUID } from 'node:crypto';
import type { SqlSession } from '../warehouse/warehouse.js';

/**
 * The run history in `meta.runs` and `meta.model_builds`. A run row is written
 * before the work starts (so a crash leaves a 'running' trace) and finished
 * with its status, counts and error.
 */
export interface ModelBuildRecord {
  readonly name: string;
  readonly schema: string;
  readonly materialized: string;
  readonly rows: number | null;
  readonly seconds: number;
  /** 'ok', 'failed', or 'rolled_back' when a later failure undid it. */
  readonly status: 'ok' | 'failed' | 'rolled_back';
  readonly error?: string;
}

export async function startRun(session: SqlSession, command: string): Promise<string> {
  const runId = randomUUID();
  await session.run(`insert into meta.runs (run_id, command, started_at, status, pid) values (?, ?, ?, 'running', ?)`, [
    runId,
    command,
    new Date(),
    process.pid,
  ]);
  return runId;
}

export async function finishRun(
  session: SqlSession,
  runId: string,
  outcome: { status: string; counts: Record<string, number>; error?: string | undefined },
): Promise<void> {
  await session.run(`update meta.runs set ended_at = ?, status = ?, counts = ?::json, error = ? where run_id = ?`, [
    new Date(),
    outcome.status,
    JSON.stringify(outcome.counts),
    outcome.error ?? null,
    runId,
  ]);
}

export async function recordModelBuilds(session: SqlSession, runId: string, records: readonly ModelBuildRecord[]): Promise<void> {
  await session.append(
    { schema: 'meta', table: 'model_builds' },
    [
      { name: 'run_id', type: 'varchar' },
      { name: 'model', type: 'varchar' },
      { name: 'schema', type: 'varchar' },
      { name: 'materialized', type: 'varchar' },
      { name: 'rows', type: 'bigint' },
      { name: 'seconds', type: 'double' },
      { name: 'status', type: 'varchar' },
      { name: 'error', type: 'varchar' },
    ],
    records.map((record) => [runId, record.name, record.schema, record.materialized, record.rows, record.seconds, record.status, record.error ?? null]),
  );
}
