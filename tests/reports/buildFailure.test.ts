import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkError } from '../../errors/index.js';
import { buildReports } from '../../reports/buildReports.js';
import { packageRoot, reportsPathsFor } from '../../reports/paths.js';
import { preparePublishedCopy } from '../support/publishedCopy.js';

/**
 * Real Evidence runs that fail: the user gets one sentence with the step, the
 * cause and the log, and the previous site stays in place.
 */
let dir: string;
let workDir: string;
let warehousePath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-build-failure-'));
  mkdirSync(join(packageRoot, 'reports', '.work'), { recursive: true });
  workDir = mkdtempSync(join(packageRoot, 'reports', '.work', 'test-failure-'));
  warehousePath = (await preparePublishedCopy({ dir, customers: 60, seed: 3 })).warehousePath;
  // The previous, good site.
  const { siteDir } = reportsPathsFor(warehousePath);
  mkdirSync(siteDir, { recursive: true });
  writeFileSync(join(siteDir, 'index.html'), 'the previous build');
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('a reports build that fails', () => {
  it('names a page that does not compile, points at the log, and keeps the previous site', async () => {
    const pagesDir = join(dir, 'broken-pages');
    mkdirSync(pagesDir, { recursive: true });
    // Evidence already imports `page` into every page: declaring it again cannot compile.
    writeFileSync(join(pagesDir, 'index.md'), "<script>\n\timport { page } from '$app/stores';\n</script>\n\n# Broken\n");
    const paths = reportsPathsFor(warehousePath);
    const failure = await buildReports({ ...paths, workDir, pagesDir }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkError);
    const message = (failure as Error).message;
    expect(message).toMatch(/^Building the reports failed at the site step: /);
    expect(message).toContain("Identifier 'page' has already been declared");
    expect(message).toMatch(new RegExp(`the full log is ${paths.logPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.$`));
    expect(readFileSync(paths.logPath, 'utf8')).toContain('evidence build:strict');
    expect(readFileSync(join(paths.siteDir, 'index.html'), 'utf8')).toBe('the previous build');
    expect(existsSync(join(workDir, '.lock'))).toBe(false);
  }, 15 * 60_000);

  it('names the source query that fails on a published copy without a column the reports read', async () => {
    const { publishedPath } = reportsPathsFor(warehousePath);
    const instance = await DuckDBInstance.create(publishedPath);
    const connection = await instance.connect();
    await connection.run('alter table marts.customers drop column owner');
    connection.closeSync();
    instance.closeSync();
    const paths = reportsPathsFor(warehousePath);
    const failure = await buildReports({ ...paths, workDir }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkError);
    const message = (failure as Error).message;
    expect(message).toMatch(/^Building the reports failed at the sources step: /);
    expect(message).toContain('owner');
    expect(message).toContain(paths.logPath);
    expect(readFileSync(join(paths.siteDir, 'index.html'), 'utf8')).toBe('the previous build');
  }, 10 * 60_000);
});
