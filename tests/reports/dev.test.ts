import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReportsDev, type ReportsDev } from '../../reports/devReports.js';
import { packageRoot } from '../../reports/paths.js';
import { preparePublishedCopy } from '../support/publishedCopy.js';

/** `tributary reports dev`: Evidence's dev server over the published copy, on 127.0.0.1, stopped as a whole. */
let dir: string;
let workDir: string;
let dev: ReportsDev | undefined;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(5_000) })).ok;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-dev-'));
  mkdirSync(join(packageRoot, 'reports', '.work'), { recursive: true });
  workDir = mkdtempSync(join(packageRoot, 'reports', '.work', 'test-dev-'));
});

afterAll(() => {
  dev?.stop();
  rmSync(workDir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('the reports dev server', () => {
  it('serves the pages on the given port of 127.0.0.1 and stops with everything it started', async () => {
    const { publishedPath } = await preparePublishedCopy({ dir, customers: 40, seed: 9 });
    const port = await freePort();
    dev = await startReportsDev({ publishedPath, workDir, port });
    expect(dev.url).toBe(`http://127.0.0.1:${port}/`);
    await expect.poll(() => answers(dev!.url), { timeout: 10 * 60_000, interval: 2_000 }).toBe(true);
    // Vite compiles a page on its first request; the page's source comes from reports/pages.
    const page = await fetch(`${dev.url}revenue/`);
    expect(page.status).toBe(200);
    dev.stop();
    expect(await dev.exited).toBe(143);
    await expect.poll(() => answers(dev!.url), { timeout: 30_000 }).toBe(false);
    dev = undefined;
  }, 15 * 60_000);
});
