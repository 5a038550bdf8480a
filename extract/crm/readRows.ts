import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CsvFileError, parseRange, type ParseRange, type ParsedBatch } from './parse.js';
import type { ParseWorkerData, ParseWorkerMessage } from './parseWorker.js';
import type { RowPlan } from './rows.js';

export interface ReadRowsOptions {
  readonly range: ParseRange;
  readonly plan: RowPlan;
  /** Parse on a worker thread rather than on this one. */
  readonly thread: boolean;
  readonly batchRows: number;
  /** Called one batch at a time, in file order. */
  readonly onBatch: (batch: ParsedBatch) => Promise<void>;
}

/** How far the parser may run ahead of the warehouse, in batches. */
const maxBatchesAhead = 1;

/**
 * Parses a file into staged rows: on this thread for ordinary files, on a
 * worker thread for big ones, so csv-parse (about 100k rows/s on a core) and
 * DuckDB (on this thread) each have a core. One parser, not one per core:
 * DuckDB's side is as slow as parsing, and every thread is another heap in a
 * process that must stay under 400 MB.
 */
export async function readRows(options: ReadRowsOptions): Promise<number> {
  if (!options.thread) return parseRange(options.range, options.plan, options.batchRows, options.onBatch);
  const worker = startWorker({ range: options.range, plan: options.plan, batchRows: options.batchRows, maxBatchesAhead });
  // Batches reach the appender one at a time, in order.
  let queue = Promise.resolve();
  let failed = false;
  try {
    const rows = await new Promise<number>((resolve, reject) => {
      worker.on('message', (message: ParseWorkerMessage) => {
        if (message.type === 'batch') {
          const batch: ParsedBatch = { payload: message.payload, rows: message.rows, issues: message.issues, bytesRead: message.bytesRead };
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
      worker.on('exit', (code) => code !== 0 && reject(new Error(`the CSV parsing thread stopped with exit code ${code}`)));
    });
    await queue;
    return rows;
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await worker.terminate();
    // A batch already handed to the loader finishes before the caller rolls back.
    await queue.catch(() => undefined);
  }
}

/**
 * The worker runs the parser module beside this one: compiled JavaScript when
 * this module is (the CLI, bin/compiledSources.js), else the TypeScript source.
 * Worker threads do not inherit the TypeScript loader of the thread that
 * starts them (vite-node in tests, tsx where the CLI cannot compile): for a
 * .ts module the worker registers tsx itself before importing it.
 */
function startWorker(data: ParseWorkerData): Worker {
  const compiled = import.meta.url.endsWith('.js');
  const module = new URL(compiled ? './parseWorker.js' : './parseWorker.ts', import.meta.url).href;
  const code = compiled
    ? `import(${JSON.stringify(module)});`
    : `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module)}); });`;
  // The parser's heap holds a batch or two and csv-parse's buffers; a small young generation keeps it collecting
  // early instead of growing. The old generation must still fit the longest record allowed, a few times over.
  const maxOldGenerationSizeMb = 32 + Math.ceil((3 * data.range.maxRecordBytes) / (1024 * 1024));
  return new Worker(code, { eval: true, workerData: data, resourceLimits: { maxOldGenerationSizeMb, maxYoungGenerationSizeMb: 8 } });
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
