import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireWriterLock, lockPathFor, openWarehouseForWriting, readLockHolder } from '../../warehouse/writerLock.js';
import { REPO, removeTempDirs, tempDir } from './support.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  removeTempDirs();
});

function worker(args: string[]): { child: ChildProcess; ready: Promise<void>; exited: Promise<[number | null, NodeJS.Signals | null]> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'tests', 'refresh', 'lockWorker.ts'), ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    void exited.then(() => reject(new Error(`worker exited before ready: ${stderr}`)));
  });
  return { child, ready, exited };
}

/** The pid of a process that has come and gone. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

function writeLock(warehouse: string, holder: Record<string, unknown>): void {
  writeFileSync(lockPathFor(warehouse), `${JSON.stringify({ startedAt: '2026-06-15T03:00:00.000Z', command: 'refresh', hostname: hostname(), nonce: 'deadbeef00000000', processStart: null, ...holder })}\n`);
}

describe('the writer lock', () => {
  it('is a file next to the warehouse naming its holder, gone once released', async () => {
    const warehouse = join(tempDir(), 'w.duckdb');
    const lock = await acquireWriterLock({ warehousePath: warehouse, command: 'refresh' });
    expect(lock.path).toBe(`${warehouse}.lock`);
    const holder = readLockHolder(lock.path)!;
    expect(holder.pid).toBe(process.pid);
    expect(holder.command).toBe('refresh');
    expect(Date.now() - Date.parse(holder.startedAt)).toBeLessThan(60_000);
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    lock.release();
    // No temporaries left behind.
    expect(readdirSync(join(warehouse, '..'))).toEqual([]);
  });

  it('makes a second writer wait, then give up naming the holder, its pid and start', async () => {
    const warehouse = join(tempDir(), 'w.duckdb');
    const holder = worker(['hold', warehouse, 'import crm']);
    await holder.ready;
    const started = Date.now();
    const waits: number[] = [];
    const error = await acquireWriterLock({ warehousePath: warehouse, command: 'refresh', waitMs: 1_500, onWait: (h) => waits.push(h.pid) }).catch((e: Error) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(waits).toEqual([holder.child.pid]);
    const startedAt = readLockHolder(lockPathFor(warehouse))!.startedAt;
    expect((error as Error).message).toBe(
      `another run (pid ${holder.child.pid}, started ${startedAt}) holds the warehouse ${warehouse} (import crm); gave up after waiting 1.5 s: try again when it has finished.`,
    );
  });

  it('lets a waiting writer in as soon as the holder is gone', async () => {
    const warehouse = join(tempDir(), 'w.duckdb');
    const holder = worker(['hold', warehouse, 'build']);
    await holder.ready;
    const waiting = acquireWriterLock({ warehousePath: warehouse, command: 'refresh', waitMs: 60_000, pollMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    holder.child.kill('SIGKILL');
    const lock = await waiting;
    expect(readLockHolder(lock.path)!.pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a lock whose process is dead', async () => {
    const warehouse = join(tempDir(), 'w.duckdb');
    const pid = await deadPid();
    writeLock(warehouse, { pid });
    const lock = await acquireWriterLock({ warehousePath: warehouse, command: 'refresh', waitMs: 0 });
    expect(readLockHolder(lock.path)).toMatchObject({ pid: process.pid, command: 'refresh' });
    lock.release();
    expect(readdirSync(join(warehouse, '..'))).toEqual([]);
  });

  it('takes over the lock of a killed holder (kill -9)', async () => {
    const warehouse = join(tempDir(), 'w.duckdb');
    const holder = worker(['hold', warehouse, 'refresh']);
    await holder.ready;
    holder.child.kill('SIGKILL');
    await holder.exited;
    expect(readLockHolder(lockPathFor(warehouse))!.pid).toBe(holder.child.pid);
    const lock = await acquireWriterLock({ warehousePath: warehouse, command: 'build', waitMs: 0 });
    expect(readLockHolder(lock.path)!.command).toBe('build');
    lock.release();
  });

  it('does not take a live process reusing a dead holder’s pid for the holder', async () => {
    const warehouse = join(tempDir(), 'w.duckdb');
    // Our parent is alive, but it did not start when the lock says its holder did.
    writeLock(warehouse, { pid: process.ppid, processStart: '1' });
    const lock = await acquireWriterLock({ warehousePath: warehouse, command: 'refresh', waitMs: 0 });
    expect(readLockHolder(lock.path)!.pid).toBe(process.pid);
    lock.release();
  });

  it('treats a lock from another host as held (it cannot check that pid)', async () => {
    const warehouse = join(tempDir(), 'w.duckdb');
    writeLock(warehouse, { pid: await deadPid(), hostname: 'some-other-host' });
    const error = await acquireWriterLock({ warehousePath: warehouse, command: 'refresh', waitMs: 0 }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^another run \(pid \d+, started 2026-06-15T03:00:00.000Z\) holds the warehouse .* \(refresh on host some-other-host\): try again/);
  });

  it('lets exactly one of several processes racing for a dead holder’s lock in at a time', async () => {
    const dir = tempDir();
    const warehouse = join(dir, 'w.duckdb');
    const log = join(dir, 'log');
    const go = join(dir, 'go');
    writeFileSync(log, '');
    writeLock(warehouse, { pid: await deadPid() });
    // Each worker dies holding the lock (SIGKILL) except the last to finish, so every hand-over is a takeover race.
    const workers = Array.from({ length: 6 }, () => worker(['race', warehouse, log, go, '1']));
    await Promise.all(workers.map((w) => w.ready));
    writeFileSync(go, '');
    const exits = await Promise.all(workers.map((w) => w.exited));
    expect(exits.map(([, signal]) => signal)).toEqual(Array(6).fill('SIGKILL'));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(12);
    for (let i = 0; i < lines.length; i += 2) {
      const pid = lines[i]!.split(' ')[1];
      expect([lines[i], lines[i + 1]]).toEqual([`enter ${pid}`, `exit ${pid}`]);
    }
    expect(new Set(lines.map((line) => line.split(' ')[1])).size).toBe(6);
    // The last holder died too: its lock is stale and the next writer takes it.
    const lock = await acquireWriterLock({ warehousePath: warehouse, command: 'refresh', waitMs: 0 });
    lock.release();
    expect(readdirSync(dir).sort()).toEqual(['go', 'log']);
  });

  it('opens the warehouse under the lock and releases it on close', async () => {
    const warehouse = join(tempDir(), 'w.duckdb');
    const opened = await openWarehouseForWriting({ warehouse: { path: warehouse }, command: 'import crm' });
    expect(readLockHolder(lockPathFor(warehouse))!.command).toBe('import crm');
    const second = await openWarehouseForWriting({ warehouse: { path: warehouse }, command: 'build', waitMs: 200 }).catch((e: Error) => e);
    expect((second as Error).message).toMatch(/^another run \(pid \d+, started .*\) holds the warehouse .*w\.duckdb \(import crm\)/);
    await opened.close();
    expect(existsSync(lockPathFor(warehouse))).toBe(false);
    const again = await openWarehouseForWriting({ warehouse: { path: warehouse }, command: 'build', waitMs: 0 });
    await again.close();
  });
});
