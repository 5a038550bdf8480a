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
 * disk rather than in DuckDB (backfillSpool.ts) and reach it 32 MB at a
 * time, so what DuckDB needs does not grow with the account. 64 MB is enough
 * for a first extract, even of a 50,000-customer account, but not for a full
 * re-read over a warehouse that already holds one: the last load of the
 * invoices' spool then ran out of memory ("failed to pin block of size 256
 * KiB (60.8/61.0 MiB used)") in most runs over a 10,000-customer warehouse.
 * 128 MB leaves the JSON reader's 32 MB buffers room beside what the
 * completed streams hold (most likely their primary-key indexes, which grow
 * with the account): 3 runs of 3 passed at 96 MB and at 128 MB, peaking at
 * 430-480 MB and 510-545 MB of RSS. What exactly fills DuckDB's memory at
 * that point is not yet pinned down.
 */
export const EXTRACT_WAREHOUSE_OPTIONS = { memoryLimit: '128MB', threads: 1 } as const;

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
