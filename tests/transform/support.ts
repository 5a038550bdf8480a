import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Warehouse } from '../../warehouse/warehouse.js';

/** Helpers for the runner and query tests: temp projects, raw rows, the real CLI as a child process. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cliPath = join(repoRoot, 'bin', 'tributary.js');
const tsxLoader = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** Fixed vars so a build renders the same SQL on any day. */
export const fixedVars = { now: '2026-06-30T12:00:00.000Z', reporting_currency: '', timezone: 'UTC' };

const made: string[] = [];

export function tempDir(prefix = 'tributary-runner-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A copy of a project under tests/transform/fixtures/, to change freely. */
export function copyFixture(name: string): string {
  const dir = tempDir();
  cpSync(join(repoRoot, 'tests', 'transform', 'fixtures', name), dir, { recursive: true });
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

export function removeFiles(dir: string, paths: readonly string[]): void {
  for (const path of paths) rmSync(join(dir, path), { force: true });
}

export function warehousePath(projectDir: string): string {
  return join(projectDir, 'data', 'warehouse.duckdb');
}

export function openWarehouse(projectDir: string): Promise<Warehouse> {
  return Warehouse.open({ path: warehousePath(projectDir) });
}

export interface RawCustomer {
  id: string;
  email: string;
  name: string;
  deleted?: boolean;
}

export interface RawInvoice {
  id: string;
  customer: string;
  status: string;
  amount_paid: number;
  currency: string;
}

/** Rows in raw_stripe as the extractor stores them: id, the object as JSON, synced_at, deleted. */
export async function loadShopRaw(warehouse: Warehouse, data: { customers: RawCustomer[]; invoices: RawInvoice[] }): Promise<void> {
  await warehouse.run('delete from raw_stripe.customers');
  await warehouse.run('delete from raw_stripe.invoices');
  for (const customer of data.customers) {
    await warehouse.run(`insert into raw_stripe.customers (id, data, synced_at, deleted) values (?, ?::json, now(), ?)`, [
      customer.id,
      JSON.stringify({ id: customer.id, object: 'customer', email: customer.email, name: customer.name, created: 1767225600 }),
      customer.deleted ?? false,
    ]);
  }
  for (const invoice of data.invoices) {
    await warehouse.run(`insert into raw_stripe.invoices (id, data, synced_at, deleted) values (?, ?::json, now(), false)`, [
      invoice.id,
      JSON.stringify({ object: 'invoice', ...invoice }),
    ]);
  }
}

/** Two customers, three invoices: Ann paid 10.00 USD and 20.00 EUR (one more EUR invoice is open), Bob nothing. */
export const shopData = {
  customers: [
    { id: 'cus_ann', email: 'Ann@Example.com', name: 'Ann' },
    { id: 'cus_bob', email: 'bob@example.com', name: 'Bob' },
  ],
  invoices: [
    { id: 'in_1', customer: 'cus_ann', status: 'paid', amount_paid: 1000, currency: 'usd' },
    { id: 'in_2', customer: 'cus_ann', status: 'paid', amount_paid: 2000, currency: 'eur' },
    { id: 'in_3', customer: 'cus_ann', status: 'open', amount_paid: 0, currency: 'eur' },
  ],
} satisfies { customers: RawCustomer[]; invoices: RawInvoice[] };

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cliEnv(projectDir: string, env: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, TRIBUTARY_DB: warehousePath(projectDir), TRIBUTARY_NOW: fixedVars.now, NO_COLOR: '1', ...env };
}

/**
 * `tributary ARGS` run in the project directory, the way a user runs it.
 * Asynchronous on purpose: a synchronous spawn blocks the test worker, and
 * vitest reports its own heartbeat timing out.
 */
export async function runCli(projectDir: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd: projectDir, env: cliEnv(projectDir, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout, stderr };
}

/** A module of ours as an import specifier for a holder script. */
export function moduleUrl(path: string): string {
  return pathToFileURL(join(repoRoot, path)).href;
}

/**
 * A child process running an ES module snippet (with tsx, so it can import our TypeScript) that prints
 * `ready` once it holds what it should; the caller kills it when done.
 */
export async function startHolder(script: string, cwd: string): Promise<{ child: ChildProcess; lines: string[]; nextLine: () => Promise<string> }> {
  const child = spawn(process.execPath, ['--import', tsxLoader, '--input-type=module', '-e', script], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const nextLine = () =>
    new Promise<string>((resolveLine, reject) => {
      const queued = lines.shift();
      if (queued !== undefined) return resolveLine(queued);
      const onExit = (code: number | null) => reject(new Error(`holder exited (${code}) before printing: ${stderr}`));
      child.once('exit', onExit);
      waiters.push((line) => {
        child.off('exit', onExit);
        resolveLine(line);
      });
    });
  const first = await nextLine();
  if (first !== 'ready') throw new Error(`holder said ${first} instead of ready: ${stderr}`);
  return { child, lines, nextLine };
}

export async function stopHolder(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGKILL');
  await exited;
}
