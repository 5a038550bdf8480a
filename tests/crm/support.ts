import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Warehouse } from '../../warehouse/warehouse.js';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const fixtures = join(repo, 'tests/fixtures/crm');

export function fixture(...parts: string[]): string {
  return join(fixtures, ...parts);
}

export function tempDir(prefix = 'tributary-crm-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real CLI in a child process, with its own warehouse file and a clean settings environment. */
export function runCli(args: readonly string[], options: { db: string; cwd?: string }): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'], TRIBUTARY_DB: options.db, CI: '1' };
  const child = spawn(process.execPath, [join(repo, 'bin/tributary.js'), ...args], { cwd: options.cwd ?? repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolvePromise({ status, stdout, stderr }));
  });
}

export async function withWarehouse<T>(path: string, work: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  const warehouse = await Warehouse.open({ path });
  try {
    return await work(warehouse);
  } finally {
    await warehouse.close();
  }
}

/**
 * Everything an import may write, reduced to counts and content hashes: equal
 * snapshots mean the warehouse did not change.
 */
export async function snapshotCrm(path: string): Promise<Record<string, unknown>> {
  return withWarehouse(path, async (warehouse) => {
    const snapshot: Record<string, unknown> = {};
    for (const table of ['raw_crm.contacts', 'raw_crm.companies', 'raw_crm.deals', 'raw_crm.imports', 'raw_crm.import_issues', 'crm.notes', 'crm.tasks', 'crm.tags']) {
      snapshot[table] = await warehouse.one(`select count(*) as n, coalesce(sum(hash(t)), 0)::varchar as h from ${table} as t`);
    }
    return snapshot;
  });
}
