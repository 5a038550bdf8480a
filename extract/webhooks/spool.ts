import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookEvent } from './verify.js';

/**
 * The durable spool of webhook events: one file per event id in a directory
 * beside the warehouse (`<warehouse>.webhooks/`). A file, not a DuckDB table,
 * because the answer to Stripe must not wait for the warehouse: a refresh may
 * hold it for minutes, and DuckDB lets one process write it at a time. A file
 * written, fsync'd and linked into place (with its directory fsync'd) survives
 * a crash the moment the 2xx goes out.
 *
 * `pending/<id>.json` waits for a refresh; once a refresh has brought its
 * objects into the warehouse it moves to `applied/<id>.json`, kept for a week
 * so that a redelivery (Stripe retries for up to three days) is recognised and
 * stored once. All calls are synchronous, so within one process a store and a
 * move of the same id never interleave.
 */
export interface SpooledEvent {
  readonly id: string;
  readonly type: string;
  /** The event's own created time, epoch seconds. */
  readonly created: number;
  readonly receivedAt: Date;
}

export type StoreOutcome = 'stored' | 'duplicate';

export const APPLIED_RETENTION_MS = 7 * 86_400_000;

export function spoolDirFor(warehousePath: string): string {
  return `${warehousePath.replace(/\.duckdb$/, '')}.webhooks`;
}

export class EventSpool {
  readonly pendingDir: string;
  readonly appliedDir: string;

  constructor(readonly dir: string) {
    this.pendingDir = join(dir, 'pending');
    this.appliedDir = join(dir, 'applied');
    mkdirSync(this.pendingDir, { recursive: true });
    mkdirSync(this.appliedDir, { recursive: true });
  }

  /** Stores a verified event durably; the same id a second time (pending or applied) stores nothing. */
  store(event: WebhookEvent, body: Buffer, receivedAt = new Date()): StoreOutcome {
    const name = `${event.id}.json`;
    if (existsSync(join(this.appliedDir, name)) || existsSync(join(this.pendingDir, name))) return 'duplicate';
    const header = JSON.stringify({ id: event.id, type: event.type, created: event.created, received_at: receivedAt.toISOString() });
    // The body verbatim (the bytes Stripe signed) inside an envelope with what we know of its arrival.
    const content = Buffer.concat([Buffer.from(`${header.slice(0, -1)},"event":`), body, Buffer.from('}\n')]);
    const temporary = join(this.pendingDir, `.${event.id}.${randomBytes(4).toString('hex')}.tmp`);
    const fd = openSync(temporary, 'wx');
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(temporary, join(this.pendingDir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'duplicate';
      throw error;
    } finally {
      rmSync(temporary, { force: true });
    }
    syncDirectory(this.pendingDir);
    return 'stored';
  }

  /** Events waiting for a refresh, oldest arrival first. */
  pending(): SpooledEvent[] {
    return this.list(this.pendingDir);
  }

  applied(): SpooledEvent[] {
    return this.list(this.appliedDir);
  }

  /** The whole stored envelope of an event, pending or applied; undefined when unknown. */
  read(id: string): { received_at: string; event: Record<string, unknown> } | undefined {
    for (const dir of [this.pendingDir, this.appliedDir]) {
      const path = join(dir, `${id}.json`);
      if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as { received_at: string; event: Record<string, unknown> };
    }
    return undefined;
  }

  /** After the refresh that applied them has committed. */
  markApplied(ids: readonly string[]): void {
    if (ids.length === 0) return;
    for (const id of ids) {
      const from = join(this.pendingDir, `${id}.json`);
      if (existsSync(from)) renameSync(from, join(this.appliedDir, `${id}.json`));
    }
    syncDirectory(this.appliedDir);
    syncDirectory(this.pendingDir);
  }

  /** Forgets applied events older than the retention (by arrival), and temporaries of a crash. */
  prune(now = Date.now(), retentionMs = APPLIED_RETENTION_MS): number {
    let removed = 0;
    for (const event of this.applied()) {
      if (now - event.receivedAt.getTime() > retentionMs) {
        rmSync(join(this.appliedDir, `${event.id}.json`), { force: true });
        removed++;
      }
    }
    for (const name of readdirSync(this.pendingDir)) if (name.endsWith('.tmp')) rmSync(join(this.pendingDir, name), { force: true });
    return removed;
  }

  private list(dir: string): SpooledEvent[] {
    const events: SpooledEvent[] = [];
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const path = join(dir, name);
      try {
        const envelope = JSON.parse(readFileSync(path, 'utf8')) as { id: string; type: string; created: number; received_at: string };
        events.push({ id: envelope.id, type: envelope.type, created: envelope.created, receivedAt: new Date(envelope.received_at) });
      } catch {
        // Only whole files are linked into place: anything else here is not ours, and no event.
        continue;
      }
    }
    return events.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || a.id.localeCompare(b.id));
  }
}

/** A new name in a directory reaches the disk only when the directory itself is synced. */
function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
