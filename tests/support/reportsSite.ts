import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildReports, type BuiltReports } from '../../reports/buildReports.js';
import { packageRoot, reportsPathsFor } from '../../reports/paths.js';
import { startSiteServer, type SiteServer } from '../../reports/serveSite.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { evidenceErrors, launchChromium, waitForEvidence, watchPage, type PageProblems } from './browser.js';
import { preparePublishedCopy, type PreparePublishedCopyOptions } from './publishedCopy.js';

/**
 * One built reports site for a browser test file: a published copy, one
 * Evidence build (the slow part, ~2-5 minutes), a static server and Chromium.
 */
export interface ReportsSite {
  readonly built: BuiltReports;
  readonly server: SiteServer;
  readonly browser: Browser;
  /** The published copy the site was built from, open read-only for expected values. */
  readonly copy: Warehouse;
  close(): Promise<void>;
}

export async function buildReportsSite(options: Omit<PreparePublishedCopyOptions, 'dir'> & { name: string }): Promise<ReportsSite> {
  const dir = mkdtempSync(join(tmpdir(), `tributary-${options.name}-`));
  // Evidence must run under the package root (it finds its packages there), so each test file gets its own work dir.
  mkdirSync(join(packageRoot, 'reports', '.work'), { recursive: true });
  const workDir = mkdtempSync(join(packageRoot, 'reports', '.work', `test-${options.name}-`));
  const cleanup = (): void => {
    rmSync(workDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const prepared = await preparePublishedCopy({ ...options, dir });
    const built = await buildReports({ ...reportsPathsFor(prepared.warehousePath), workDir });
    // The site is what the tests need; the work dir (~100 MB of Evidence's cache) is not.
    rmSync(workDir, { recursive: true, force: true });
    const server = await startSiteServer({ siteDir: built.siteDir, port: 0 });
    const browser = await launchChromium();
    const copy = await Warehouse.open({ path: prepared.publishedPath, readOnly: true });
    return {
      built,
      server,
      browser,
      copy,
      async close() {
        await copy.close();
        await browser.close();
        await server.close();
        cleanup();
      },
    };
  } catch (error) {
    // Keep Evidence's log where a developer (or CI) can read it after the temp dir is gone.
    const log = reportsPathsFor(join(dir, 'warehouse.duckdb')).logPath;
    if (existsSync(log)) {
      const artifacts = join(packageRoot, 'test-artifacts', 'reports');
      mkdirSync(artifacts, { recursive: true });
      cpSync(log, join(artifacts, `${options.name}-build.log`));
    }
    cleanup();
    throw error;
  }
}

export interface VisitedPage {
  readonly page: Page;
  readonly problems: PageProblems & { readonly httpErrors: string[] };
  /** Evidence error boxes on the page once it settled. */
  readonly errorBoxes: string[];
  /** Closes the page and its browser context. */
  close(): Promise<void>;
}

/**
 * Opens a path in a fresh browser context, waits for Evidence to settle (and
 * for `readyTestId` when given), and saves a full-page screenshot under
 * test-artifacts/reports/. A page that never settles is photographed as
 * `<name>-not-ready.png` and reported with what it was still doing.
 */
export async function visit(site: ReportsSite, path: string, options: { screenshot?: string; readyTestId?: string; timeoutMs?: number } = {}): Promise<VisitedPage> {
  const timeoutMs = options.timeoutMs ?? 240_000;
  const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
  const page = await context.newPage();
  const origin = site.server.url.replace(/\/$/, '');
  const watched = watchPage(page, origin);
  const httpErrors: string[] = [];
  const inFlight = new Set<string>();
  page.on('request', (request) => inFlight.add(request.url()));
  page.on('requestfinished', (request) => inFlight.delete(request.url()));
  page.on('requestfailed', (request) => inFlight.delete(request.url()));
  page.on('response', (response) => {
    if (response.status() >= 400) httpErrors.push(`${response.status()} ${response.url()}`);
  });
  const artifacts = join(packageRoot, 'test-artifacts', 'reports');
  mkdirSync(artifacts, { recursive: true });
  const started = performance.now();
  try {
    await page.goto(`${origin}${path}`, { timeout: timeoutMs });
    if (options.readyTestId) await page.getByTestId(options.readyTestId).first().waitFor({ timeout: timeoutMs });
    await waitForEvidence(page, Math.max(10_000, timeoutMs - (performance.now() - started)));
  } catch (error) {
    const name = options.screenshot ?? path.replace(/[^a-z0-9]+/gi, '-');
    await page.screenshot({ path: join(artifacts, `${name}-not-ready.png`), fullPage: true }).catch(() => undefined);
    const state = await page
      .evaluate(() => ({
        skeletons: document.querySelectorAll('.animate-pulse').length,
        testIds: Array.from(document.querySelectorAll('[data-testid]')).map((element) => element.getAttribute('data-testid')),
      }))
      .catch(() => ({}));
    await context.close();
    throw new Error(
      `${path} was not ready after ${((performance.now() - started) / 1000).toFixed(0)} s: ${(error as Error).message.split('\n')[0]}; page ${JSON.stringify(state)}; ` +
        `requests in flight ${JSON.stringify([...inFlight])}; console errors ${JSON.stringify(watched.consoleErrors)}`,
    );
  }
  if (options.screenshot) await page.screenshot({ path: join(artifacts, `${options.screenshot}.png`), fullPage: true });
  // Aborted fetches are SvelteKit dropping prerendered responses it already has, not failures.
  const failedRequests = watched.failedRequests.filter((failure) => !failure.endsWith('net::ERR_ABORTED'));
  return { page, problems: { ...watched, failedRequests, httpErrors }, errorBoxes: await evidenceErrors(page), close: () => context.close() };
}

/** The first amount like $1,234.56 (or 1,234.56) in a text, as a number. */
export function amountIn(text: string): number {
  const match = /-?[$€£]?\s?-?[\d,]+\.\d{2}/.exec(text);
  if (!match) throw new Error(`No amount in ${JSON.stringify(text)}`);
  return Number(match[0].replace(/[^\d.-]/g, ''));
}
