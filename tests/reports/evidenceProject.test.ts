import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkError } from '../../errors/index.js';
import { prepareEvidenceProject } from '../../reports/evidenceProject.js';
import { packageRoot } from '../../reports/paths.js';
import { acquireWorkDirLock } from '../../reports/workDirLock.js';

let workDir: string;
let dataDir: string;
beforeEach(() => {
  mkdirSync(join(packageRoot, 'reports', '.work'), { recursive: true });
  workDir = mkdtempSync(join(packageRoot, 'reports', '.work', 'test-project-'));
  dataDir = mkdtempSync(join(tmpdir(), 'tributary-project-'));
});
afterEach(() => {
  rmSync(workDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the generated Evidence project', () => {
  it('holds the pages, sources and components of reports/ and the top-level Evidence config', () => {
    const published = join(dataDir, 'w.published.duckdb');
    const project = prepareEvidenceProject({ workDir, publishedPath: published, reportingCurrency: 'EUR' });
    for (const page of ['index.md', 'revenue.md', 'churn.md', 'customers.md', 'customer.md', 'pipeline.md', 'signals.md', 'crm-audit.md', 'freshness.md', 'dictionary.md']) {
      expect(existsSync(join(workDir, 'pages', page)), page).toBe(true);
    }
    expect(existsSync(join(workDir, 'sources', 'warehouse', 'connection.yaml'))).toBe(true);
    expect(existsSync(join(workDir, 'components', 'format.js'))).toBe(true);
    for (const file of ['evidence.config.yaml', 'evidence.plugins.yaml', 'evidence.settings.json']) {
      expect(readFileSync(join(workDir, file), 'utf8')).toBe(readFileSync(join(packageRoot, file), 'utf8'));
    }
    // Telemetry is off where the CLI runs and where Vite runs.
    for (const dir of [workDir, join(workDir, '.evidence', 'template')]) {
      expect(JSON.parse(readFileSync(join(dir, 'evidence.settings.json'), 'utf8'))).toEqual({ send_anonymous_usage_stats: 'no' });
    }
    const manifest = JSON.parse(readFileSync(join(workDir, 'package.json'), 'utf8'));
    expect(manifest.type).toBe('module');
    expect(manifest.dependencies['@evidence-dev/core-components']).toBeDefined();
    // Packages resolve to the package's own install; Vite's cache dir is the work dir's own.
    expect(realpathSync(join(workDir, 'node_modules', '@evidence-dev', 'duckdb'))).toBe(realpathSync(join(packageRoot, 'node_modules', '@evidence-dev', 'duckdb')));
    expect(realpathSync(join(workDir, 'node_modules', '.bin'))).toBe(realpathSync(join(packageRoot, 'node_modules', '.bin')));
    expect(lstatSync(join(workDir, 'node_modules')).isSymbolicLink()).toBe(false);
    expect(existsSync(join(workDir, 'node_modules', '.vite'))).toBe(false);
    expect(project.env['VITE_TRIBUTARY_CURRENCY']).toBe('eur');
    expect(project.env['npm_config_offline']).toBe('true');
  });

  it('points the DuckDB source at the published copy the way the connector joins paths', () => {
    const published = join(dataDir, 'deep', 'w.published.duckdb');
    const project = prepareEvidenceProject({ workDir, publishedPath: published, reportingCurrency: 'usd' });
    const filename = project.env['EVIDENCE_SOURCE__warehouse__filename']!;
    // The connector opens join(<source dir>, filename), even for an absolute filename.
    expect(join(workDir, 'sources', 'warehouse', filename)).toBe(published);
    expect(/^EVIDENCE_SOURCE__[A-Za-z_01]+$/.test('EVIDENCE_SOURCE__warehouse__filename')).toBe(true);
  });

  it('starts each run from the current pages and no stale build', () => {
    mkdirSync(join(workDir, 'pages'), { recursive: true });
    writeFileSync(join(workDir, 'pages', 'old-page.md'), '# gone');
    mkdirSync(join(workDir, 'build'), { recursive: true });
    writeFileSync(join(workDir, 'build', 'index.html'), 'stale');
    mkdirSync(join(workDir, '.evidence', 'template', 'build'), { recursive: true });
    prepareEvidenceProject({ workDir, publishedPath: join(dataDir, 'w.published.duckdb'), reportingCurrency: 'usd' });
    expect(existsSync(join(workDir, 'pages', 'old-page.md'))).toBe(false);
    expect(existsSync(join(workDir, 'build'))).toBe(false);
    expect(existsSync(join(workDir, '.evidence', 'template', 'build'))).toBe(false);
  });

  it('links pages for the dev server so edits show up, but copies the sources', () => {
    prepareEvidenceProject({ workDir, publishedPath: join(dataDir, 'w.published.duckdb'), reportingCurrency: 'usd', live: true });
    expect(lstatSync(join(workDir, 'pages')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(workDir, 'pages'))).toBe(join(packageRoot, 'reports', 'pages'));
    expect(lstatSync(join(workDir, 'sources')).isSymbolicLink()).toBe(false);
  });

  it('refuses a work directory where Evidence would not find its packages', () => {
    expect(() => prepareEvidenceProject({ workDir: join(dataDir, 'work'), publishedPath: join(dataDir, 'w.published.duckdb'), reportingCurrency: 'usd' })).toThrow(WorkError);
    expect(() => prepareEvidenceProject({ workDir: join(dataDir, 'work'), publishedPath: join(dataDir, 'w.published.duckdb'), reportingCurrency: 'usd' })).toThrow(/must be inside/);
  });
});

describe('the work directory lock', () => {
  it('lets one run use a work directory at a time and takes over a dead owner', () => {
    const release = acquireWorkDirLock(workDir);
    // The lock names a live process: ours. Pretend another live process (our parent) holds it.
    writeFileSync(join(workDir, '.lock'), String(process.ppid));
    expect(() => acquireWorkDirLock(workDir)).toThrow(new RegExp(`pid ${process.ppid}`));
    // A pid that cannot be alive.
    writeFileSync(join(workDir, '.lock'), '999999999');
    const again = acquireWorkDirLock(workDir);
    expect(readFileSync(join(workDir, '.lock'), 'utf8')).toBe(String(process.pid));
    again();
    expect(existsSync(join(workDir, '.lock'))).toBe(false);
    release();
  });
});
