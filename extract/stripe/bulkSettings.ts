import type { Warehouse } from '../../warehouse/warehouse.js';
import { quoteLiteral } from '../../warehouse/bulkLoad.js';

/**
 * DuckDB settings for the length of an extract, restored afterwards (the
 * warehouse may be shared with a build in `serve`):
 * - preserve_insertion_order off: a merge of a large stream then streams
 *   instead of buffering, which halved its time and memory in our
 *   measurements; raw tables have no meaningful row order.
 * - the allocator hands freed memory back to the system promptly, so the
 *   process does not keep the peak of every merge.
 * - raw documents are stored uncompressed: DuckDB's string compressors gain
 *   nothing on kilobytes of JSON per row (the 10,000-customer benchmark's
 *   file was 572 MB either way), yet choosing among them allocated hundreds
 *   of MB outside its memory limit and cost a fifth of the CPU of a load.
 */
const BULK_SETTINGS: Record<string, string> = {
  preserve_insertion_order: 'false',
  allocator_flush_threshold: '32MB',
  allocator_background_threads: 'true',
  force_compression: 'uncompressed',
};

/**
 * Options for opening a warehouse just for an extract (the CLI and the
 * benchmark): one DuckDB thread (the work is loads of spooled pages, and the
 * machine has the Stripe client to run too) and a memory cap, which is most
 * of the RSS the process adds: on the 10,000-customer benchmark, caps of 40,
 * 64, 96 and 128 MB peaked at about 287, 338, 356 and 381 MB. Pages wait on
 * disk rather than in DuckDB (backfillSpool.ts) and reach it 8 MB at a time,
 * one load or merge at a time (backfill.ts), so what DuckDB needs does not
 * grow with the account; a first read and a full re-read of a 10,000-customer
 * account passed at 40 MB, but one benchmark run in seven had to retry a load
 * there, so the cap is 48 MB. What needs more is parsing the JSON of many
 * large rows at once (16 MB for a vector of 2,048 invoices): a full re-read
 * that finds none of the objects the warehouse holds (another account's key)
 * needed 64 MB. Such a step is retried once with EXTRACT_MEMORY_HEADROOM
 * (withMemoryHeadroom) rather than every run paying for it.
 */
export const EXTRACT_WAREHOUSE_OPTIONS = { memoryLimit: '48MB', threads: 1 } as const;
/** The cap of a load or merge's second try after it ran out of memory under the first. */
export const EXTRACT_MEMORY_HEADROOM = '128MB';

/**
 * Runs a step that is one or more whole transactions (rolled back when they
 * fail) and, if DuckDB ran out of memory under a cap the warehouse was opened
 * with, runs it once more with the cap raised to EXTRACT_MEMORY_HEADROOM,
 * saying so through onRetry. Under DuckDB's own default (most of the
 * machine's memory) there is nothing to raise: the error stands.
 */
export async function withMemoryHeadroom<T>(warehouse: Warehouse, what: string, work: () => Promise<T>, onRetry: (message: string) => void): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // The cap as it was opened with: DuckDB shows it back rounded down, and setting that would shrink it.
    const cap = warehouse.memoryLimit;
    if (!isOutOfMemory(error) || cap === undefined) throw error;
    onRetry(`${what} needed more than DuckDB's ${cap} memory; retried with ${EXTRACT_MEMORY_HEADROOM}.`);
    await warehouse.run(`set global memory_limit = ${quoteLiteral(EXTRACT_MEMORY_HEADROOM)}`);
    try {
      return await work();
    } finally {
      await warehouse.run(`set global memory_limit = ${quoteLiteral(cap)}`).catch(() => undefined);
    }
  }
}

function isOutOfMemory(error: unknown): boolean {
  return error instanceof Error && /^Out of Memory Error/i.test(error.message);
}

export async function withBulkLoadSettings<T>(warehouse: Warehouse, work: () => Promise<T>): Promise<T> {
  const names = Object.keys(BULK_SETTINGS);
  const current = await warehouse.all<{ name: string; value: string }>(
    `select name, value from duckdb_settings() where name in (${names.map(quoteLiteral).join(', ')})`,
  );
  const apply = async (values: Record<string, string>) => {
    for (const [name, value] of Object.entries(values)) await warehouse.run(`set global ${name} = ${quoteLiteral(value)}`);
  };
  await apply(BULK_SETTINGS);
  try {
    return await work();
  } finally {
    await apply(Object.fromEntries(current.map((setting) => [setting.name, setting.value]))).catch(() => undefined);
  }
}
