import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Stripe from 'stripe';
import { publishedPathFor } from '../../warehouse/publish.js';
import { Warehouse } from '../../warehouse/warehouse.js';

/** Helpers for the refresh, serve and webhook tests: temp dirs, the CLI as a child process, signed deliveries. */
export const REPO = resolve(import.meta.dirname, '../..');
export const CLI = join(REPO, 'bin', 'tributary.js');
export const WEBHOOK_SECRET = 'whsec_TributaryServeTestSecret0123456789';
export const TEST_KEY = 'sk_test_TributaryRefreshTestKey0123456789';
/** The demo accounts of these tests are pinned in time, so their numbers do not move with the clock. */
export const PINNED_NOW = '2026-06-15T12:00:00Z';

const SETTINGS = [
  'STRIPE_API_KEY',
  'STRIPE_API_BASE',
  'STRIPE_WEBHOOK_SECRET',
  'TRIBUTARY_DB',
  'TRIBUTARY_NOW',
  'TRIBUTARY_REPORTING_CURRENCY',
  'TRIBUTARY_SCHEDULE',
  'TRIBUTARY_TZ',
  'TRIBUTARY_PORT',
  'TRIBUTARY_STRIPE_RATE',
];

const dirs: string[] = [];

export function tempDir(prefix = 'tributary-refresh-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Also stops any CLI child still running (a test that timed out leaves its children behind otherwise). */
export function removeTempDirs(): void {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const children: ChildProcess[] = [];

/** The environment of a CLI child: ours without any Tributary or Stripe setting, plus the given ones. */
export function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, CI: '1' };
  for (const key of SETTINGS) delete base[key];
  return { ...base, ...env };
}

export interface CliResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(args: readonly string[], env: Record<string, string>, cwd = REPO): Promise<CliResult> {
  const child = spawnCli(args, env, cwd);
  return child.done;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching, or rejects after the timeout (with the output so far). */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
  readonly done: Promise<CliResult>;
  kill(signal?: NodeJS.Signals): void;
}

export function spawnCli(args: readonly string[], env: Record<string, string>, cwd = REPO): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = (async (): Promise<CliResult> => {
    const [status, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    for (const listener of listeners) listener();
    return { status, signal, stdout, stderr };
  })();
  return {
    child,
    pid: child.pid!,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    waitFor: (pattern, timeoutMs) =>
      new Promise<string>((resolvePromise, reject) => {
        const check = (): void => {
          const line = stdout.split('\n').find((candidate) => pattern.test(candidate));
          if (line !== undefined) {
            finish();
            resolvePromise(line);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            finish();
            reject(new Error(`the CLI exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
  };
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
  return port;
}

/** Rows of the published copy, read the way `tributary query` reads it (read-only, never the warehouse itself). */
export async function queryPublished<T = Record<string, unknown>>(warehousePath: string, sql: string): Promise<T[]> {
  const copy = await Warehouse.open({ path: publishedPathFor(warehousePath), readOnly: true });
  try {
    return await copy.all<T>(sql);
  } finally {
    await copy.close();
  }
}

/**
 * Rows of the warehouse itself; only when no writer holds it. Opened for writing, as the next
 * writer would: after a kill -9 DuckDB must replay the WAL, which a read-only open cannot do.
 */
export async function queryWarehouse<T = Record<string, unknown>>(warehousePath: string, sql: string): Promise<T[]> {
  const warehouse = await Warehouse.open({ path: warehousePath });
  try {
    return await warehouse.all<T>(sql);
  } finally {
    await warehouse.close();
  }
}

/** A delivery as Stripe would make it: the body and its Stripe-Signature header, signed by the SDK. */
export function signedDelivery(event: object | string, options: { secret?: string; timestamp?: number } = {}): { body: string; signature: string } {
  const body = typeof event === 'string' ? event : JSON.stringify(event, null, 2);
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret: options.secret ?? WEBHOOK_SECRET,
    ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
  });
  return { body, signature };
}

export async function postWebhook(baseUrl: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> | null }> {
  const response = await fetch(new URL('/webhooks/stripe', baseUrl), { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
  const text = await response.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = null;
  }
  return { status: response.status, json };
}

/** Polls until check returns a value (not undefined), or fails after the timeout with the last error. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, intervalMs));
  }
}
