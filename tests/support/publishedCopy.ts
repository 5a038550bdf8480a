import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../reports/paths.js';
import { publishedPathFor } from '../../warehouse/publish.js';
import { writePublishedFixture } from './publishedFixture/index.js';

/**
 * The one place the reports' browser tests and benchmark get their data.
 *
 * 'fixture' (the default until the models land) writes a simulated published
 * copy with exactly the marts and meta tables the reports read. 'pipeline'
 * runs the real thing, `tributary refresh --demo`, against a warehouse in
 * `dir`; switch the default here once the models and `refresh` exist.
 */
export type PublishedCopySource = 'fixture' | 'pipeline';

export const defaultPublishedCopySource: PublishedCopySource = 'fixture';

export interface PreparePublishedCopyOptions {
  readonly dir: string;
  readonly customers: number;
  readonly source?: PublishedCopySource;
  /** false: no CRM imported (fixture only; the pipeline's demo has no CRM unless imported). */
  readonly crm?: boolean;
  readonly seed?: number;
  /** "Now" of the account (the fixture's clock, TRIBUTARY_NOW for the pipeline). */
  readonly now?: Date;
}

export interface PreparedPublishedCopy {
  /** The TRIBUTARY_DB this copy belongs to. */
  readonly warehousePath: string;
  readonly publishedPath: string;
  readonly bytes: number;
  readonly seconds: number;
}

export async function preparePublishedCopy(options: PreparePublishedCopyOptions): Promise<PreparedPublishedCopy> {
  mkdirSync(options.dir, { recursive: true });
  const warehousePath = join(options.dir, 'warehouse.duckdb');
  const publishedPath = publishedPathFor(warehousePath);
  const started = performance.now();
  if ((options.source ?? defaultPublishedCopySource) === 'fixture') {
    await writePublishedFixture({ path: publishedPath, customers: options.customers, crm: options.crm, seed: options.seed, now: options.now });
  } else {
    const env: NodeJS.ProcessEnv = { ...process.env, TRIBUTARY_DB: warehousePath };
    if (options.now) env['TRIBUTARY_NOW'] = options.now.toISOString();
    const result = spawnSync(process.execPath, [join(packageRoot, 'bin', 'tributary.js'), 'refresh', '--demo', '--customers', String(options.customers), '--seed', String(options.seed ?? 42)], {
      cwd: options.dir,
      env,
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`tributary refresh --demo failed (exit ${result.status}): ${result.stderr || result.stdout}`);
  }
  return { warehousePath, publishedPath, bytes: statSync(publishedPath).size, seconds: (performance.now() - started) / 1000 };
}
