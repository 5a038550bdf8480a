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
 * machine has the Stripe client to run too) and a memory cap. Pages wait on
 * disk rather than in DuckDB (backfillSpool.ts) and reach it 8 MB at a time,
 * one load or merge at a time (backfill.ts), so what DuckDB needs does not
 * grow with the account. What it needs most is a merge's scan of a raw table
 * it replaces: a vector of 2,048 invoices' JSON is about 16 MB on its own. A
 * full re-read over a 10,000-customer warehouse ran out of memory at 56 MB
 * and passed at 64 MB; 96 MB leaves half as much again. The cap is most of
 * the RSS the process adds: on the 10,000-customer benchmark, 40, 64, 96 and
 * 128 MB peaked at about 287, 338, 356 and 381 MB.
 */
export const EXTRACT_WAREHOUSE_OPTIONS = { memoryLimit: '96MB', threads: 1 } as const;

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
