import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CsvFileError, parseRange, type ParseRange, type ParsedBatch } from './parse.js';
import type { ParseWorkerData, ParseWorkerMessage } from './parseWorker.js';
import type { RowPlan } from './rows.js';
import type { SplitPoint } from './scan.js';
import type { ImportIssue } from './types.js';

export interface ReadRowsOptions {
  readonly range: ParseRange;
  readonly plan: RowPlan;
  /** Where to cut the range for parallel parsing; empty to parse it on this thread. */
  readonly splits: readonly SplitPoint[];
  readonly batchRows: number;
  /** Called one batch at a time, in no particular order across pieces; rows carry their line. */
  readonly onBatch: (batch: ParsedBatch) => Promise<void>;
}

const maxBatchesAhead = 2;

/**
 * Parses a file into staged rows: on this thread for ordinary files, or with
 * one worker per piece when the scan found cut points. csv-parse does about
 * 100k rows/s on one core, so a million-row export needs both cores to reach
 * the import target while this thread feeds the appender.
 */
export async function readRows(options: ReadRowsOptions): Promise<number> {
  if (options.splits.length === 0) return parseRange(options.range, options.plan, options.batchRows, options.onBatch);
  const starts = [{ offset: options.range.start, line: options.range.firstLine }, ...options.splits];
  const pieces: ParseRange[] = starts.map((start, i) => ({ ...options.range, start: start.offset, firstLine: start.line, end: starts[i + 1]?.offset }));
  const workers: Worker[] = [];
  const bytesRead = pieces.map(() => 0);
  // Batches reach the appender one at a time whichever worker sent them.
  let queue = Promise.resolve();
  let failed = false;
  try {
    const counts = await Promise.all(
      pieces.map(
        (range, index) =>
          new Promise<number>((resolve, reject) => {
            const worker = startWorker({ range, plan: options.plan, batchRows: options.batchRows, maxBatchesAhead });
            workers.push(worker);
            worker.on('message', (message: ParseWorkerMessage) => {
              if (message.type === 'batch') {
                bytesRead[index] = message.bytesRead;
                const total = bytesRead.reduce((sum, bytes) => sum + bytes, 0);
                const batch: ParsedBatch = { payload: message.payload, rows: message.rows, issues: message.issues as ImportIssue[], bytesRead: total };
                queue = queue.then(async () => {
                  if (failed) return;
                  await options.onBatch(batch);
                  worker.postMessage('ack');
                });
                queue.catch(reject);
              } else if (message.type === 'done') {
                queue.then(() => resolve(message.rows), reject);
              } else {
                reject(message.line === null ? new Error(message.message) : new CsvFileError(message.line, message.message));
              }
            });
            worker.on('error', reject);
            worker.on('exit', (code) => code !== 0 && reject(new Error(`a CSV parsing thread stopped with exit code ${code}`)));
          }),
      ),
    );
    await queue;
    return counts.reduce((sum, count) => sum + count, 0);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
    // A batch already handed to the loader finishes before the caller rolls back.
    await queue.catch(() => undefined);
  }
}

/**
 * Worker threads do not inherit the TypeScript loader of the thread that
 * starts them (tsx for the CLI, vite-node in tests): the worker registers tsx
 * itself before importing its module.
 */
function startWorker(data: ParseWorkerData): Worker {
  const module = new URL('./parseWorker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module)}); });`;
  // A parser's heap holds a few batches and csv-parse's buffers; capping it makes it collect early instead of growing.
  return new Worker(code, { eval: true, workerData: data, resourceLimits: { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 16 } });
}

let tsxApiUrl: string | undefined;

/** tsx's ESM API as a file URL, found through its package.json exports (the CommonJS entry cannot register ESM hooks). */
function tsxEsmApi(): string {
  if (tsxApiUrl) return tsxApiUrl;
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('tsx/package.json');
  const exports = (require(packageJson) as { exports: Record<string, { import: { default: string } }> }).exports;
  tsxApiUrl = pathToFileURL(join(dirname(packageJson), exports['./esm/api']!.import.default)).href;
  return tsxApiUrl;
}
