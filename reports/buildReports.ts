import { cpSync, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { dirname, join } from 'node:path';
import { WorkError } from '../errors/index.js';
import { runEvidence } from './evidenceCli.js';
import { prepareEvidenceProject } from './evidenceProject.js';
import { acquireWorkDirLock } from './workDirLock.js';
import { inspectPublishedCopy } from './publishedCopy.js';
import { summarizeEvidenceLog } from './evidenceLog.js';
import { fillEmptySources } from './emptySources.js';

/**
 * `tributary reports build`: run the source queries over the published copy
 * (Evidence writes them to parquet), prerender the pages, and put the static
 * site in place of the previous one in one rename.
 */
export interface BuildReportsOptions {
  readonly publishedPath: string;
  readonly siteDir: string;
  readonly logPath: string;
  readonly workDir: string;
  /** TRIBUTARY_REPORTING_CURRENCY when set; inferred from the published copy otherwise. */
  readonly reportingCurrency?: string;
  /** Tests only: build these pages instead of reports/pages. */
  readonly pagesDir?: string;
  readonly onStep?: (step: BuildStep) => void;
  readonly signal?: AbortSignal;
}

export type BuildStep =
  | { readonly name: 'check'; readonly customers: number; readonly reportingCurrency: string }
  | { readonly name: 'sources' }
  | { readonly name: 'site' }
  | { readonly name: 'done'; readonly seconds: number };

export interface BuiltReports {
  readonly siteDir: string;
  readonly logPath: string;
  readonly reportingCurrency: string;
  readonly customers: number;
  readonly pages: number;
  readonly bytes: number;
  readonly sourcesSeconds: number;
  readonly siteSeconds: number;
  readonly seconds: number;
}

export async function buildReports(options: BuildReportsOptions): Promise<BuiltReports> {
  const started = performance.now();
  const facts = await inspectPublishedCopy(options.publishedPath, { reportingCurrency: options.reportingCurrency });
  options.onStep?.({ name: 'check', customers: facts.customers, reportingCurrency: facts.reportingCurrency });

  const release = acquireWorkDirLock(options.workDir);
  mkdirSync(dirname(options.logPath), { recursive: true });
  const log = createWriteStream(options.logPath, { flags: 'w' });
  try {
    const project = prepareEvidenceProject({
      workDir: options.workDir,
      publishedPath: options.publishedPath,
      reportingCurrency: facts.reportingCurrency,
      pagesDir: options.pagesDir,
    });
    // A source dropped from reports/sources must not leave its old data behind.
    rmSync(join(project.workDir, '.evidence', 'template', 'static', 'data'), { recursive: true, force: true });

    options.onStep?.({ name: 'sources' });
    const sourcesStarted = performance.now();
    await step('sources', ['sources'], project, log, options);
    const filled = await fillEmptySources(join(project.workDir, '.evidence', 'template'));
    if (filled.length > 0) log.write(`\nNo rows (written as empty tables): ${filled.join(', ')}\n`);
    const sourcesSeconds = (performance.now() - sourcesStarted) / 1000;

    options.onStep?.({ name: 'site' });
    const siteStarted = performance.now();
    // build:strict makes a component error met while prerendering (a chart over a missing
    // column, say) fail the build instead of shipping an error box. Page queries that fail
    // in the browser are what the browser tests look for.
    await step('site', ['build:strict'], project, log, options);
    const siteSeconds = (performance.now() - siteStarted) / 1000;

    const built = join(project.workDir, 'build');
    if (!existsSync(join(built, 'index.html'))) {
      throw new WorkError(`Evidence reported success but wrote no ${join(built, 'index.html')}; the full log is ${options.logPath}.`);
    }
    replaceDirectory(built, options.siteDir);
    // The template keeps a second copy of the site; it is rebuilt each time.
    rmSync(join(project.workDir, '.evidence', 'template', 'build'), { recursive: true, force: true });

    const seconds = (performance.now() - started) / 1000;
    options.onStep?.({ name: 'done', seconds });
    const { files, bytes } = measure(options.siteDir);
    return {
      siteDir: options.siteDir,
      logPath: options.logPath,
      reportingCurrency: facts.reportingCurrency,
      customers: facts.customers,
      pages: files.filter((file) => file.endsWith('index.html')).length,
      bytes,
      sourcesSeconds,
      siteSeconds,
      seconds,
    };
  } finally {
    await new Promise<void>((resolve) => log.end(resolve));
    release();
  }
}

async function step(
  name: 'sources' | 'site',
  args: readonly string[],
  project: { workDir: string; env: Record<string, string> },
  log: WriteStream,
  options: BuildReportsOptions,
): Promise<void> {
  log.write(`\n==> evidence ${args.join(' ')} (${name})\n`);
  let output = '';
  const tee = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString('utf8');
      log.write(chunk, done);
    },
  });
  const run = runEvidence(args, { cwd: project.workDir, env: { ...project.env, NODE_ENV: 'production' }, output: tee });
  const abort = (): void => run.stop();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    const code = await run.exited;
    if (options.signal?.aborted) throw new WorkError(`The reports build was interrupted during the ${name} step; the previous site at ${options.siteDir} is unchanged.`);
    // Evidence's sources step can exit 0 when a query fails, so its output decides too.
    const failure = summarizeEvidenceLog(output, name, code);
    if (failure) throw new WorkError(`Building the reports failed at the ${name} step: ${failure}; the full log is ${options.logPath}.`);
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
}

/** Swaps the new site in with renames, so a server reading the old one never sees a half-copied tree. */
function replaceDirectory(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  const next = `${to}.next-${process.pid}`;
  const old = `${to}.old-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  try {
    renameSync(from, next);
  } catch {
    // Another file system: rename cannot cross devices.
    cpSync(from, next, { recursive: true });
    rmSync(from, { recursive: true, force: true });
  }
  if (existsSync(to)) renameSync(to, old);
  renameSync(next, to);
  rmSync(old, { recursive: true, force: true });
}

function measure(dir: string): { files: string[]; bytes: number } {
  const files: string[] = [];
  let bytes = 0;
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        files.push(path);
        bytes += statSync(path).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}
