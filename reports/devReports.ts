import { join } from 'node:path';
import { WorkError } from '../errors/index.js';
import { runEvidence, type EvidenceRun } from './evidenceCli.js';
import { prepareEvidenceProject } from './evidenceProject.js';
import { inspectPublishedCopy } from './publishedCopy.js';
import { acquireWorkDirLock } from './workDirLock.js';
import { fillEmptySources } from './emptySources.js';
import { rmSync } from 'node:fs';

/**
 * `tributary reports dev`: Evidence's dev server over the published copy,
 * with the pages linked (not copied) so edits in reports/pages reload live.
 * The source queries run once at start; restart to pick up a new build.
 */
export interface ReportsDevOptions {
  readonly publishedPath: string;
  readonly workDir: string;
  readonly port: number;
  readonly host?: string;
  readonly reportingCurrency?: string;
}

export interface ReportsDev {
  readonly url: string;
  /** Resolves when the dev server exits. */
  readonly exited: Promise<number>;
  stop(): void;
}

export async function startReportsDev(options: ReportsDevOptions): Promise<ReportsDev> {
  const facts = await inspectPublishedCopy(options.publishedPath, { reportingCurrency: options.reportingCurrency });
  const release = acquireWorkDirLock(options.workDir);
  let server: EvidenceRun | undefined;
  try {
    const project = prepareEvidenceProject({
      workDir: options.workDir,
      publishedPath: options.publishedPath,
      reportingCurrency: facts.reportingCurrency,
      live: true,
    });
    rmSync(join(project.workDir, '.evidence', 'template', 'static', 'data'), { recursive: true, force: true });
    const sources = runEvidence(['sources'], { cwd: project.workDir, env: { ...project.env, NODE_ENV: 'development' }, output: 'inherit' });
    const code = await sources.exited;
    if (code !== 0) throw new WorkError(`Evidence's source queries failed (exit ${code}); their output is above.`);
    await fillEmptySources(join(project.workDir, '.evidence', 'template'));
    const host = options.host ?? '127.0.0.1';
    // Evidence passes these on to `vite dev`; without --open it starts no browser.
    server = runEvidence(['dev', '--port', String(options.port), '--host', host, '--strictPort'], {
      cwd: project.workDir,
      env: { ...project.env, NODE_ENV: 'development' },
      output: 'inherit',
    });
    const running = server;
    const exited = running.exited.finally(release);
    return { url: `http://${host}:${options.port}/`, exited, stop: () => running.stop() };
  } catch (error) {
    server?.stop();
    release();
    throw error;
  }
}
