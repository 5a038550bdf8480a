import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishedPathFor } from '../warehouse/publish.js';

/**
 * Where the reports' pieces live. The Evidence pages and sources ship with the
 * package (`reports/`); what a build produces belongs to one warehouse and
 * sits beside it, like the published copy it is built from.
 */

/**
 * The package root: it holds `node_modules` with Evidence and the top-level Evidence config.
 * Found as the nearest directory with a package.json above this module, which is the same
 * whether it runs from source or from the CLI's compiled copy (bin/compiledSources.js).
 */
export const packageRoot = nearestPackageRoot(dirname(fileURLToPath(import.meta.url)));

function nearestPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json above ${from}`);
  }
}

/** The Evidence project parts we keep in git. */
export const reportsSourceDir = join(packageRoot, 'reports');

export interface ReportsPaths {
  /** The read-only copy of marts and meta the reports are built from. */
  readonly publishedPath: string;
  /** The built static site (`data/warehouse.reports/` for the default warehouse). */
  readonly siteDir: string;
  /** The log of the last build (Evidence's own output, both steps). */
  readonly logPath: string;
}

export function reportsPathsFor(warehousePath: string): ReportsPaths {
  const stem = warehousePath.replace(/\.duckdb$/, '');
  return {
    publishedPath: publishedPathFor(warehousePath),
    siteDir: `${stem}.reports`,
    logPath: `${stem}.reports.log`,
  };
}

/**
 * Evidence's scratch project for one purpose ('build', 'dev'). It must sit
 * under the package root: Evidence resolves its plugins and Vite resolves the
 * Svelte components from the nearest `node_modules` above it.
 */
export function defaultWorkDir(purpose: 'build' | 'dev'): string {
  return join(reportsSourceDir, '.work', purpose);
}
