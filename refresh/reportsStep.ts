import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BuildStep, BuiltReports } from '../reports/buildReports.js';
import { reportsPathsFor, reportsSourceDir } from '../reports/paths.js';

/**
 * The reports' part of a refresh: the reports engineer's full build (Evidence
 * runs the report queries over the new published copy, then prerenders every
 * page, because Evidence bakes each page's query results into the site; a
 * data-only refresh of a built site would leave the pages showing old numbers).
 * Each warehouse gets its own Evidence work directory, so a refresh never
 * collides with `tributary reports build` or a refresh of another warehouse.
 */
export interface ReportsStepOptions {
  readonly warehousePath: string;
  readonly reportingCurrency?: string | undefined;
  readonly onStep?: (step: BuildStep) => void;
  readonly signal?: AbortSignal;
}

export function reportsWorkDirFor(warehousePath: string): string {
  const key = createHash('sha256').update(resolve(warehousePath)).digest('hex').slice(0, 12);
  return join(reportsSourceDir, '.work', `refresh-${key}`);
}

export function builtSiteExists(warehousePath: string): boolean {
  return existsSync(join(reportsPathsFor(warehousePath).siteDir, 'index.html'));
}

export async function rebuildReports(options: ReportsStepOptions): Promise<BuiltReports> {
  const paths = reportsPathsFor(options.warehousePath);
  const { buildReports } = await import('../reports/buildReports.js');
  return buildReports({
    ...paths,
    workDir: reportsWorkDirFor(options.warehousePath),
    ...(options.reportingCurrency ? { reportingCurrency: options.reportingCurrency } : {}),
    ...(options.onStep ? { onStep: options.onStep } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
