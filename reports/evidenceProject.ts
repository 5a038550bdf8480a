import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { WorkError } from '../errors/index.js';
import { packageRoot, reportsSourceDir } from './paths.js';

/**
 * Evidence 39 treats the directory it runs in as its project: it copies
 * `./pages`, `./sources`, `./components` and `./static` from there into
 * `.evidence/template/` and reads `evidence.config.yaml` and
 * `evidence.settings.json` there, while its plugin loader reads
 * `evidence.plugins.yaml` beside the nearest `node_modules` (the package
 * root). Our pages live in `reports/` and the config at the top level, so each
 * run gets a generated project directory (the work dir) assembled from both.
 * Only the `.evidence/` cache inside it survives from one run to the next.
 */
export interface EvidenceProjectOptions {
  readonly workDir: string;
  readonly publishedPath: string;
  /** ISO code the pages format money in. */
  readonly reportingCurrency: string;
  /** Dev server: link pages and components instead of copying, so edits show up live. */
  readonly live?: boolean;
  /** Tests only: a different pages directory. */
  readonly pagesDir?: string;
}

export interface EvidenceProject {
  readonly workDir: string;
  /** Environment for the Evidence CLI: the source's file, the currency, no network. */
  readonly env: Record<string, string>;
}

/** The one Evidence source; its name is part of the environment variable Evidence reads. */
export const SOURCE_NAME = 'warehouse';
const CONFIG_FILES = ['evidence.config.yaml', 'evidence.plugins.yaml', 'evidence.settings.json'] as const;
const PROJECT_PARTS = ['pages', 'components', 'sources', 'static'] as const;

export function prepareEvidenceProject(options: EvidenceProjectOptions): EvidenceProject {
  const workDir = resolve(options.workDir);
  if (!workDir.startsWith(packageRoot + sep)) {
    throw new WorkError(`The Evidence work directory ${workDir} must be inside ${packageRoot}, where Evidence finds its node_modules.`);
  }
  if (workDir.includes(`${sep}.evidence`)) {
    // Evidence derives the project root by cutting its own cwd at the first ".evidence".
    throw new WorkError(`The Evidence work directory ${workDir} must not contain ".evidence" in its path.`);
  }
  mkdirSync(workDir, { recursive: true });

  for (const part of PROJECT_PARTS) rmSync(join(workDir, part), { recursive: true, force: true });
  for (const file of [...CONFIG_FILES, 'package.json']) rmSync(join(workDir, file), { force: true });
  // `evidence build` never cleans its outputs; a stale page must not survive a rebuild.
  rmSync(join(workDir, 'build'), { recursive: true, force: true });
  rmSync(join(workDir, '.evidence', 'template', 'build'), { recursive: true, force: true });

  for (const part of PROJECT_PARTS) {
    const source = part === 'pages' && options.pagesDir ? resolve(options.pagesDir) : join(reportsSourceDir, part);
    if (!existsSync(source)) continue;
    // Sources are always copied: Evidence joins the source directory and the
    // database path lexically, so it must not sit behind a link.
    if (options.live && part !== 'sources') symlinkSync(source, join(workDir, part), 'dir');
    else cpSync(source, join(workDir, part), { recursive: true });
  }
  for (const file of CONFIG_FILES) {
    const source = join(packageRoot, file);
    if (!existsSync(source)) throw new WorkError(`The Evidence config file ${source} is missing; it ships with Tributary, so restore it from git.`);
    cpSync(source, join(workDir, file));
  }
  // Vite loads the template's config as ESM only inside a "type": "module"
  // package, and vite-plugin-svelte bundles the Svelte packages it finds among
  // the dependencies (unbundled, they fail to import SvelteKit's $app at render).
  const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  writeFileSync(
    join(workDir, 'package.json'),
    `${JSON.stringify({ name: 'tributary-reports-work', private: true, type: 'module', dependencies: manifest.dependencies ?? {} }, null, 2)}\n`,
  );
  linkNodeModules(workDir);
  // Telemetry reads its settings from the working directory of each step: the CLI's and Vite's.
  mkdirSync(join(workDir, '.evidence', 'template'), { recursive: true });
  cpSync(join(packageRoot, 'evidence.settings.json'), join(workDir, '.evidence', 'template', 'evidence.settings.json'));

  const sourceDir = join(workDir, 'sources', SOURCE_NAME);
  return {
    workDir,
    env: {
      [`EVIDENCE_SOURCE__${SOURCE_NAME}__filename`]: relative(sourceDir, resolve(options.publishedPath)),
      VITE_TRIBUTARY_CURRENCY: options.reportingCurrency.toLowerCase(),
      ...offlineEnvironment(),
    },
  };
}

/**
 * Evidence's SDK loads plugin packages from <project>/node_modules, so the work
 * dir gets one whose entries link to the package's own. It is a directory of
 * links rather than one link because Vite and its Svelte plugin keep caches in
 * node_modules/.vite: each work dir keeps its own, and builds in two work dirs
 * can run at once.
 */
function linkNodeModules(workDir: string): void {
  const target = join(workDir, 'node_modules');
  const source = join(packageRoot, 'node_modules');
  const existing = lstatOrNull(target);
  if (existing?.isSymbolicLink()) rmSync(target, { force: true });
  mkdirSync(target, { recursive: true });
  const wanted = new Set<string>();
  for (const entry of readdirSync(source)) {
    if (entry.startsWith('.') && entry !== '.bin') continue;
    wanted.add(entry);
    if (!lstatOrNull(join(target, entry))) symlinkSync(join(source, entry), join(target, entry), 'dir');
  }
  // Packages removed from the install since the last run.
  for (const entry of readdirSync(target)) {
    if (!entry.startsWith('.') || entry === '.bin') {
      if (!wanted.has(entry)) rmSync(join(target, entry), { force: true });
    }
  }
}

function lstatOrNull(path: string): ReturnType<typeof lstatSync> | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/** npm (behind Evidence's `npx vite`) must never reach for the registry. */
export function offlineEnvironment(): Record<string, string> {
  return {
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    NO_UPDATE_NOTIFIER: '1',
    PATH: `${join(packageRoot, 'node_modules', '.bin')}${process.platform === 'win32' ? ';' : ':'}${process.env['PATH'] ?? ''}`,
  };
}
