import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page, type Request } from 'playwright-core';

/**
 * Headless Chromium from Debian (`apt-get install -y chromium`), driven by
 * playwright-core. Never a downloaded browser: playwright's own install
 * fetches one from the network.
 */
export const chromiumPath = '/usr/bin/chromium';

export const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`No Chromium at ${chromiumPath}: install Debian's package with \`apt-get install -y chromium\` (never \`npx playwright install\`).`);
  }
  return chromium.launch({ executablePath: chromiumPath, args: chromiumFlags, headless: true });
}

/** What a page did that a test should fail on: console errors, uncaught exceptions, requests that left the machine or failed. */
export interface PageProblems {
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  readonly offsiteRequests: string[];
  readonly failedRequests: string[];
}

export function watchPage(page: Page, siteOrigin: string): PageProblems {
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], offsiteRequests: [], failedRequests: [] };
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') problems.consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.pageErrors.push(error.message));
  page.on('request', (request: Request) => {
    const url = request.url();
    if (!url.startsWith(siteOrigin) && !url.startsWith('data:') && !url.startsWith('blob:')) problems.offsiteRequests.push(url);
  });
  page.on('requestfailed', (request) => problems.failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? 'failed'}`));
  return problems;
}

/** Evidence shows query and component failures as red boxes, and SvelteKit's error page on a broken route. */
export async function evidenceErrors(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    for (const element of Array.from(document.querySelectorAll('.bg-red-50, .border-red-200, .text-red-600'))) {
      const text = (element.textContent ?? '').trim().replace(/\s+/g, ' ');
      if (text) found.push(text.slice(0, 300));
    }
    const heading = document.querySelector('h1')?.textContent ?? '';
    if (/Application Error|Page Not Found|Unknown Error Encountered/.test(heading)) found.push(heading);
    return found;
  });
}

/**
 * Waits until Evidence has settled: no loading skeletons or spinners, and the
 * network idle (the browser's DuckDB reads parquet files after hydration).
 */
export async function waitForEvidence(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.waitForLoadState('networkidle', { timeout: timeoutMs });
  await page.waitForFunction(
    () =>
      document.querySelectorAll('.animate-pulse, [aria-busy="true"]').length === 0 &&
      // Evidence's "Loading..." toast: shown while a query has been in flight for 3 s.
      !Array.from(document.querySelectorAll('span')).some((span) => span.textContent?.trim() === 'Loading...' && !span.classList.contains('sr-only')),
    undefined,
    { timeout: timeoutMs },
  );
}
