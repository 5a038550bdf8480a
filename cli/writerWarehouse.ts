import type { OpenWarehouseOptions, Warehouse } from '../warehouse/warehouse.js';
import { DEFAULT_LOCK_WAIT_MS, openWarehouseForWriting } from '../warehouse/writerLock.js';

/**
 * How every command that writes the warehouse opens it: under the writer lock
 * (one writer at a time across processes; see warehouse/writerLock.ts), saying
 * on stderr whom it waits for. Closing the warehouse releases the lock.
 */
export function openForWriting(command: string, options: OpenWarehouseOptions, waitMs = DEFAULT_LOCK_WAIT_MS): Promise<Warehouse> {
  return openWarehouseForWriting({
    warehouse: options,
    command,
    waitMs,
    onWait: (holder) =>
      process.stderr.write(`Waiting for another run to finish (pid ${holder.pid}, ${holder.command}, started ${holder.startedAt}); giving up after ${Math.round(waitMs / 1000)} s...\n`),
  });
}
