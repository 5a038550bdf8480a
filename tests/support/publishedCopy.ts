import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../reports/paths.js';
import { publishedPathFor } from '../../warehouse/publish.js';
import { importDemoCrm } from './demoCrm.js';
import { writePublishedFixture } from './publishedFixture/index.js';

/**
 * The one place the reports' browser tests and benchmark get their data.
 *
 * 'pipeline' (the default) runs the real thing: `tributary refresh --demo`
 * against a warehouse in `dir`, then, unless `crm` is false, a HubSpot export
 * imported over it with notes and tags (demoCrm.ts) and `tributary build`.
 * 'fixture' writes a simulated published copy with exactly the marts and meta
 * tables the reports read, in seconds, for tests of the reports' own
 * mechanics that need no real numbers.
 */
export type PublishedCopySource = 'fixture' | 'pipeline';

export const defaultPublishedCopySource: PublishedCopySource = 'pipeline';

export interface PreparePublishedCopyOptions {
  readonly dir: string;
  readonly customers: number;
  readonly source?: PublishedCopySource;
  /** false: no CRM imported. */
  readonly crm?: boolean;
  /** The fixture's seed; the pipeline reads the demo account of `refresh --demo` (its own fixed seed). */
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
    const tributary = (args: string[]): void => {
      const result = spawnSync(process.execPath, [join(packageRoot, 'bin', 'tributary.js'), ...args], { cwd: packageRoot, env, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`tributary ${args.join(' ')} failed (exit ${result.status}): ${result.stderr || result.stdout}`);
    };
    tributary(['refresh', '--demo', '--no-reports', '--demo-customers', String(options.customers)]);
    if (options.crm !== false) {
      await importDemoCrm(warehousePath, options.dir);
      tributary(['build']);
    }
  }
  return { warehousePath, publishedPath, bytes: statSync(publishedPath).size, seconds: (performance.now() - started) / 1000 };
}
