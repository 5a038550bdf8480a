import { existsSync, linkSync, renameSync, rmSync } from 'node:fs';
import { publishedPathFor } from '../warehouse/publish.js';

/**
 * The published copy of the last good refresh, held aside while a refresh
 * publishes a new one and rebuilds the reports from it. If the reports step
 * fails, the refresh failed: the copy it published is replaced by the held
 * one (a rename, atomic for readers), so query and the reports keep showing
 * the last good run. A hard link costs nothing: publishing renames a new file
 * over the name, and the link keeps the old file alive.
 */
export interface HeldPublishedCopy {
  /** Puts the held copy back (or removes the new one when there was none before). */
  restore(): void;
  /** The refresh succeeded: forget the held copy. */
  discard(): void;
}

export function heldCopyPathFor(warehousePath: string): string {
  return publishedPathFor(warehousePath).replace(/\.duckdb$/, '.last-good.duckdb');
}

export function holdPublishedCopy(warehousePath: string): HeldPublishedCopy {
  const published = publishedPathFor(warehousePath);
  const held = heldCopyPathFor(warehousePath);
  // A hold left by a refresh that was killed: its published copy is the current one.
  rmSync(held, { force: true });
  const existed = existsSync(published);
  if (existed) linkSync(published, held);
  return {
    restore() {
      if (existed) renameSync(held, published);
      else rmSync(published, { force: true });
    },
    discard() {
      rmSync(held, { force: true });
    },
  };
}
