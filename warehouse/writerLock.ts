import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { WorkError } from '../errors/index.js';
import { Warehouse, type OpenWarehouseOptions } from './warehouse.js';

/**
 * One writer at a time, across processes: a lock file `<warehouse>.lock` next
 * to the DuckDB file, naming its holder. DuckDB refuses a second writer
 * outright; the lock turns that into a bounded wait and a sentence saying who
 * holds the warehouse. Readers (query, the reports) use the published copy and
 * never take it.
 *
 * The file is created whole (written under a temporary name, then hard-linked
 * into place, which fails if the name exists), so nobody ever reads a
 * half-written holder. A lock whose holder process is gone is taken over; see
 * `removeStaleLock` for why two processes doing that at once cannot both win.
 */
export interface LockHolder {
  readonly pid: number;
  /** ISO 8601. */
  readonly startedAt: string;
  /** e.g. 'refresh', 'import crm', 'serve (webhook refresh)'. */
  readonly command: string;
  readonly hostname: string;
  /** Unique per acquisition: a takeover names the exact lock it replaces. */
  readonly nonce: string;
  /** The holder's process start time as the kernel counts it (Linux), so a reused pid is not taken for the holder. */
  readonly processStart: string | null;
}

export interface WriterLockOptions {
  readonly warehousePath: string;
  readonly command: string;
  /** How long to wait for another holder, in milliseconds; 0 fails at once. Default 30 s. */
  readonly waitMs?: number;
  /** How often to look again while waiting. */
  readonly pollMs?: number;
  /** Called once when the lock is busy and the wait begins. */
  readonly onWait?: (holder: LockHolder) => void;
  /** Called between finding a dead holder and taking its lock over (tests widen the race window with it). */
  readonly beforeTakeover?: (stale: LockHolder) => Promise<void>;
}

export interface WriterLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock if it is still ours; safe to call twice. */
  release(): void;
}

export const DEFAULT_LOCK_WAIT_MS = 30_000;

export function lockPathFor(warehousePath: string): string {
  return `${warehousePath}.lock`;
}

export async function acquireWriterLock(options: WriterLockOptions): Promise<WriterLock> {
  const path = lockPathFor(options.warehousePath);
  mkdirSync(dirname(path), { recursive: true });
  const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
  const pollMs = options.pollMs ?? 100;
  const deadline = Date.now() + waitMs;
  let announced = false;
  for (;;) {
    const holder = newHolder(options.command);
    if (tryCreate(path, holder)) return heldLock(path, holder);
    const current = readLockHolder(path);
    if (current === null) continue; // Released between our attempt and the read.
    if (!isHolderAlive(current)) {
      await options.beforeTakeover?.(current);
      removeStaleLock(path, current);
      continue;
    }
    if (Date.now() >= deadline) throw busyError(options.warehousePath, current, waitMs);
    if (!announced) {
      announced = true;
      options.onWait?.(current);
    }
    await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())));
  }
}

/** The holder written in the lock file, or null when there is none (or it cannot be read as one). */
export function readLockHolder(path: string): LockHolder | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.nonce !== 'string') throw new Error('not a lock');
    return {
      pid: parsed.pid,
      startedAt: String(parsed.startedAt ?? ''),
      command: String(parsed.command ?? 'unknown'),
      hostname: String(parsed.hostname ?? ''),
      nonce: parsed.nonce,
      processStart: typeof parsed.processStart === 'string' ? parsed.processStart : null,
    };
  } catch {
    // Not something we wrote whole (we never write in place): treat it as a lock by nobody.
    return { pid: -1, startedAt: '', command: 'unknown', hostname: hostname(), nonce: `unreadable-${statSync(path, { throwIfNoEntry: false })?.ino ?? 0}`, processStart: null };
  }
}

/**
 * Opens the warehouse for writing under the writer lock; closing the warehouse
 * releases the lock. The lock is taken before DuckDB opens the file, so a
 * second writer waits for the lock instead of failing on DuckDB's own.
 */
export async function openWarehouseForWriting(options: Omit<WriterLockOptions, 'warehousePath'> & { readonly warehouse: OpenWarehouseOptions }): Promise<Warehouse> {
  const lock = await acquireWriterLock({ ...options, warehousePath: options.warehouse.path });
  let warehouse: Warehouse;
  try {
    warehouse = await Warehouse.open(options.warehouse);
  } catch (error) {
    lock.release();
    throw error;
  }
  const close = warehouse.close.bind(warehouse);
  warehouse.close = async () => {
    try {
      await close();
    } finally {
      lock.release();
    }
  };
  return warehouse;
}

function newHolder(command: string): LockHolder {
  return {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    command,
    hostname: hostname(),
    nonce: randomBytes(8).toString('hex'),
    processStart: processStartOf(process.pid),
  };
}

/** Writes the holder under a private name, syncs it, and links it to the lock name: the link fails when a lock exists. */
function tryCreate(path: string, holder: LockHolder, target = path): boolean {
  const temporary = `${path}.${holder.nonce}.tmp`;
  const fd = openSync(temporary, 'wx');
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

const liveLocks = new Map<string, string>();
let exitHookInstalled = false;

function heldLock(path: string, holder: LockHolder): WriterLock {
  liveLocks.set(path, holder.nonce);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // process.exit() skips finally blocks; a lock left behind would make the next run wait for a dead pid check.
    process.on('exit', () => {
      for (const [lockPath, nonce] of liveLocks) releaseIfOurs(lockPath, nonce);
    });
  }
  return {
    path,
    holder,
    release: () => {
      if (liveLocks.get(path) !== holder.nonce) return;
      liveLocks.delete(path);
      releaseIfOurs(path, holder.nonce);
    },
  };
}

function releaseIfOurs(path: string, nonce: string): void {
  try {
    if (readLockHolder(path)?.nonce === nonce) unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/**
 * Removes a lock whose holder is dead, without a race between two takers.
 * Naively deleting it is unsafe: taker A deletes it and creates its own lock,
 * then taker B, which read the dead lock a moment earlier, deletes A's live
 * one. So a taker first claims the dead lock by creating
 * `<lock>.takeover-<its nonce>` exclusively; only the claimant deletes, and
 * only after re-reading that the lock is still the dead one. The others wait
 * and retry. A claimant that dies in between leaves a claim naming a dead pid;
 * the next taker claims that claim the same way (`...-<claim nonce>`), so the
 * chain always moves on and no file that may be live is ever deleted.
 */
function removeStaleLock(path: string, stale: LockHolder): void {
  let claimPath = `${path}.takeover-${stale.nonce}`;
  for (let depth = 0; depth < 16; depth++) {
    const claimant = newHolder(`taking over the lock of pid ${stale.pid}`);
    if (tryCreate(path, claimant, claimPath)) {
      try {
        if (readLockHolder(path)?.nonce === stale.nonce) unlinkSync(path);
      } finally {
        removeClaims(path, stale.nonce);
      }
      return;
    }
    const other = readLockHolder(claimPath);
    if (other === null) return; // The claim finished meanwhile: the caller retries from the top.
    if (isHolderAlive(other)) return; // Someone alive is taking it over; the caller waits and retries.
    claimPath = `${claimPath}-${other.nonce}`;
  }
}

function removeClaims(path: string, staleNonce: string): void {
  const prefix = `${basename(path)}.takeover-${staleNonce}`;
  for (const name of readdirSync(dirname(path))) {
    if (name.startsWith(prefix)) rmSync(join(dirname(path), name), { force: true });
  }
}

/** Whether the holder may still be running. A holder on another host is assumed alive: we cannot look. */
export function isHolderAlive(holder: LockHolder): boolean {
  if (holder.pid <= 0) return false;
  if (holder.hostname && holder.hostname !== hostname()) return true;
  // Our own pid: alive only if this very process holds that lock; otherwise an earlier process had our number (containers reuse low pids).
  if (holder.pid === process.pid) return [...liveLocks.values()].includes(holder.nonce);
  if (!isProcessAlive(holder.pid)) return false;
  const stat = procStat(holder.pid);
  // A zombie has finished; it only waits for its parent to read its exit status.
  if (stat?.state === 'Z') return false;
  // The pid exists; if the kernel says it started at another time, it is a new process reusing the number.
  return holder.processStart === null || stat === null || stat.start === holder.processStart;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function processStartOf(pid: number): string | null {
  return procStat(pid)?.start ?? null;
}

/** Fields 3 (state) and 22 (start time in clock ticks since boot) of /proc/<pid>/stat; null where there is no /proc. */
function procStat(pid: number): { state: string; start: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] && fields[19] ? { state: fields[0], start: fields[19] } : null;
  } catch {
    return null;
  }
}

function busyError(warehousePath: string, holder: LockHolder, waitMs: number): WorkError {
  const waited = waitMs > 0 ? `; gave up after waiting ${formatSeconds(waitMs)}` : '';
  const host = holder.hostname && holder.hostname !== hostname() ? ` on host ${holder.hostname}` : '';
  return new WorkError(
    `another run (pid ${holder.pid}, started ${holder.startedAt}) holds the warehouse ${warehousePath} (${holder.command}${host})${waited}: try again when it has finished.`,
  );
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
