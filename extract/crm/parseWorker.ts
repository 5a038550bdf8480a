import { parentPort, workerData } from 'node:worker_threads';
import { CsvFileError, parseRange, type ParseRange } from './parse.js';
import type { RowPlan } from './rows.js';
import type { ImportIssue } from './types.js';

/**
 * The worker thread that parses a big file (see readRows.ts). It runs ahead
 * of the loader by at most maxBatchesAhead batches, then waits for an
 * acknowledgement, so memory stays bounded however slow the warehouse is.
 */
export interface ParseWorkerData {
  readonly range: ParseRange;
  readonly plan: RowPlan;
  readonly batchRows: number;
  readonly maxBatchesAhead: number;
}

export type ParseWorkerMessage =
  | { type: 'batch'; payload: string; rows: number; issues: ImportIssue[]; bytesRead: number }
  | { type: 'done'; rows: number }
  | { type: 'error'; line: number | null; message: string };

const port = parentPort!;
const { range, plan, batchRows, maxBatchesAhead } = workerData as ParseWorkerData;
let credits = maxBatchesAhead;
let wake: (() => void) | null = null;
port.on('message', () => {
  credits++;
  wake?.();
  wake = null;
});

try {
  const rows = await parseRange(range, plan, batchRows, async (batch) => {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    credits--;
    port.postMessage({ type: 'batch', ...batch } satisfies ParseWorkerMessage);
  });
  port.postMessage({ type: 'done', rows } satisfies ParseWorkerMessage);
} catch (error) {
  port.postMessage({
    type: 'error',
    line: error instanceof CsvFileError ? error.line : null,
    message: error instanceof CsvFileError ? error.reason : error instanceof Error ? error.message : String(error),
  } satisfies ParseWorkerMessage);
}
// Nothing else is pending once the parse is over; the listener must not keep the thread alive.
port.close();
