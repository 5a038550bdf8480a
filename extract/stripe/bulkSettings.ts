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
 */
const BULK_SETTINGS: Record<string, string> = {
  preserve_insertion_order: 'false',
  allocator_flush_threshold: '32MB',
  allocator_background_threads: 'true',
};

/**
 * Options for opening a warehouse just for an extract (the CLI and the
 * benchmark): one DuckDB thread (the work is appends, and the machine has the
 * Stripe client to run too) and a memory cap with room for the key index of a
 * large stream (128 MB ran out on a 3,000-customer account).
 */
export const EXTRACT_WAREHOUSE_OPTIONS = { memoryLimit: '512MB', threads: 1 } as const;

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
