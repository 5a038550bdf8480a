import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DemoAccount } from '../../demo/account/account.js';
import { generateDemoAccount } from '../../demo/generate/generateDemoAccount.js';
import { startDemoServer, type DemoServer, type DemoServerOptions } from '../../demo/server/startDemoServer.js';
import { extractStripe, type ExtractStripeOptions } from '../../extract/stripe/extractStripe.js';
import type { ExtractSummary } from '../../extract/stripe/progress.js';
import { streamNames } from '../../extract/stripe/streams.js';
import { Warehouse } from '../../warehouse/warehouse.js';

/** A test key the demo server accepts; tests grep every output and the warehouse file for it. */
export const TEST_KEY = 'sk_test_TributaryExtractSecret0123456789';
export const DEMO_NOW = '2026-06-15T12:00:00Z';
export const REPO = resolve(import.meta.dirname, '../..');

/** Fast retries for tests: a 429 or 500 costs milliseconds, not seconds. */
export const FAST_RETRY = { attempts: 8, baseDelayMs: 5, maxDelayMs: 50 };

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function demoAccount(customers: number, seed = 42): DemoAccount {
  return generateDemoAccount({ customers, seed, now: DEMO_NOW });
}

export async function startDemo(account: DemoAccount, options: Omit<DemoServerOptions, 'account'> = {}): Promise<DemoServer> {
  return startDemoServer({ account, ...options });
}

/** One extract run into the warehouse file at path, opened and closed around it. */
export async function extractOnce(path: string, server: DemoServer, options: Partial<ExtractStripeOptions> = {}): Promise<ExtractSummary> {
  const warehouse = await Warehouse.open({ path });
  try {
    return await extractStripe({ warehouse, apiKey: TEST_KEY, apiBase: server.url, rate: 1000, retryPolicy: FAST_RETRY, ...options });
  } finally {
    await warehouse.close();
  }
}

export interface RawRowSnapshot {
  data: string;
  deleted: boolean;
}

/** Every raw table as id -> (data, deleted), ignoring synced_at: what two runs must agree on. */
export async function rawSnapshot(path: string): Promise<Record<string, Map<string, RawRowSnapshot>>> {
  const warehouse = await Warehouse.open({ path });
  try {
    const out: Record<string, Map<string, RawRowSnapshot>> = {};
    for (const stream of streamNames) {
      const rows = await warehouse.all<{ id: string; data: string; deleted: boolean }>(`select id, data::varchar as data, deleted from raw_stripe.${stream} order by id`);
      out[stream] = new Map(rows.map((row) => [row.id, { data: row.data, deleted: row.deleted }]));
    }
    return out;
  } finally {
    await warehouse.close();
  }
}

/** Ids of a raw table, split by the deleted flag. */
export async function rawIds(warehouse: Warehouse, stream: string): Promise<{ live: string[]; deleted: string[] }> {
  const rows = await warehouse.all<{ id: string; deleted: boolean }>(`select id, deleted from raw_stripe.${stream} order by id`);
  return { live: rows.filter((r) => !r.deleted).map((r) => r.id), deleted: rows.filter((r) => r.deleted).map((r) => r.id) };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment for a CLI child: the key and base from the test, nothing inherited that could change the run. */
export function cliEnv(server: { url: string }, dbPath: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'], STRIPE_API_KEY: TEST_KEY, STRIPE_API_BASE: server.url, TRIBUTARY_DB: dbPath, ...extra };
  return env;
}

/** Starts `tributary <args>` as a child process in cwd (a temp dir, so no stray .env is read). */
export function startCli(args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd: string }): { child: ChildProcess; done: Promise<CliResult>; firstOutput: Promise<number> } {
  const child = spawn(process.execPath, [join(REPO, 'bin/tributary.js'), ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let announce: (at: number) => void;
  const firstOutput = new Promise<number>((resolvePromise) => (announce = resolvePromise));
  child.stdout!.on('data', (chunk: Buffer) => {
    if (stdout === '') announce(Date.now());
    stdout += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<CliResult>((resolvePromise) => {
    child.on('close', (code, signal) => {
      announce(Date.now());
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
  return { child, done, firstOutput };
}

export async function runCli(args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd: string }): Promise<CliResult> {
  return startCli(args, options).done;
}

/** POSTs an admin change to the demo server (outside Stripe's API: changes a running account). */
export async function demoAdmin(server: DemoServer, action: string, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.url}/_demo/${action}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`demo admin ${action} failed: ${JSON.stringify(answer)}`);
  return answer;
}

export interface Proxy {
  url: string;
  /** Requests that reached the proxy, by path without the query. */
  seen: string[];
  close(): Promise<void>;
}

/**
 * An HTTP hop in front of the demo server that answers some requests itself:
 * how a test makes one Stripe object keep failing (a persistent 500, or a 4xx)
 * while everything else is served normally.
 */
export async function startProxy(target: DemoServer, answer: (path: string, query: string) => { status: number; body: unknown } | undefined): Promise<Proxy> {
  const { createServer, request } = await import('node:http');
  const seen: string[] = [];
  const server = createServer((incoming, outgoing) => {
    const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
    seen.push(url.pathname);
    const own = answer(url.pathname, url.search);
    if (own) {
      const payload = JSON.stringify(own.body);
      outgoing.writeHead(own.status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)), Date: new Date(target.account.now * 1000).toUTCString() });
      outgoing.end(payload);
      return;
    }
    const upstream = request({ host: '127.0.0.1', port: target.port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (response) => {
      outgoing.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(outgoing);
    });
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', () => resolvePromise()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolvePromise) => {
        server.closeAllConnections();
        server.close(() => resolvePromise());
      }),
  };
}
