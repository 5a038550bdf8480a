// The CLI's TypeScript, compiled to JavaScript once per version of the
// sources, so that commands run on plain Node.
//
// Why not tsx at run time: Node 20 runs `module.register` hooks on a loader
// thread with its own V8 isolate, about 38 MB resident for the whole life of
// every command, and ~20 MB at an extract's peak (bench:extract; its target is
// under 300 MB). esbuild applies the same file-by-file transform tsx does, so
// the compiled modules behave exactly as the sources do under tsx or vitest.
//
// Builds live in .build/<key>/ (gitignored), mirroring the source tree. They
// must sit under the package's own package.json, outside node_modules: its
// "type": "module" is what makes Node load the .js files as ES modules (under
// node_modules Node stops looking for it, and only Node 20.19's syntax
// detection, parsing each file twice, would save the day), and bare imports
// resolve to the package's node_modules. The key hashes every source file's
// path, size and mtime, this file's, and esbuild's version: an edit makes a
// new key, so a command never runs stale code. A build is written to a
// temporary directory and renamed into place, so commands started together
// (the test suite does that) never see half of one.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The directories holding the code commands run (tests run from source, under vitest). */
export const SOURCE_DIRS = ['cli', 'config', 'demo', 'errors', 'extract', 'refresh', 'reports', 'scripts', 'serve', 'transform', 'warehouse'];

const buildsDir = join(packageRoot, '.build');
/** Older builds kept besides the newest (and besides any a live process runs from). */
const KEEP_BUILDS = 4;
/** Inside a build: a file per process that ran from it, named by its pid. */
const RUNNING_DIR = '.running';
/** A temporary build directory this old was left by a killed build. */
const ABANDONED_MS = 10 * 60_000;

export class CompileError extends Error {}

/**
 * The file URL of `source` (a .ts path relative to the package root) in the
 * current build, building it first if the sources changed. Undefined when no
 * build can be written (a read-only install): the caller then runs the
 * sources through tsx. A source that does not compile throws CompileError
 * naming the file and line.
 */
export async function compiledUrl(source) {
  const sources = listSources();
  const buildDir = join(buildsDir, buildKey(sources));
  if (!existsSync(buildDir)) {
    try {
      mkdirSync(buildsDir, { recursive: true });
    } catch {
      return undefined;
    }
    await build(sources, buildDir);
    pruneOldBuilds(buildDir);
  }
  markRunning(buildDir);
  return pathToFileURL(join(buildDir, source.replace(/\.ts$/, '.js'))).href;
}

/**
 * A command imports most of its modules lazily, and `tributary serve` runs
 * for weeks: a build must outlive edits made meanwhile. Pruning keeps every
 * build with a live process in its running list.
 */
function markRunning(buildDir) {
  try {
    const mark = join(buildDir, RUNNING_DIR, String(process.pid));
    mkdirSync(dirname(mark), { recursive: true });
    writeFileSync(mark, '');
    process.once('exit', () => rmSync(mark, { force: true }));
  } catch {
    // Unmarked, the build is only pruned once four newer ones exist.
  }
}

function inUse(buildDir) {
  let pids;
  try {
    pids = readdirSync(join(buildDir, RUNNING_DIR));
  } catch {
    return false;
  }
  return pids.some((pid) => {
    try {
      process.kill(Number(pid), 0);
      return true;
    } catch (error) {
      // EPERM: alive, another user's.
      return error?.code === 'EPERM';
    }
  });
}

/**
 * The URL to import to run `source`: its compiled copy, or where none can be
 * written the source itself, with tsx registered to load it. Throws
 * CompileError as compiledUrl does.
 */
export async function runnableUrl(source) {
  const url = await compiledUrl(source);
  if (url) return url;
  const { register } = await import('tsx/esm/api');
  register();
  return pathToFileURL(join(packageRoot, source)).href;
}

function listSources() {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      // Dot directories are Evidence's work and build output, not code.
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(packageRoot, dir))) walk(join(packageRoot, dir));
  return files.sort();
}

function buildKey(sources) {
  const hash = createHash('sha256');
  hash.update(`esbuild ${createRequire(import.meta.url)('esbuild/package.json').version}\n`);
  // How the sources are compiled is part of what a build is.
  for (const file of [fileURLToPath(import.meta.url), ...sources]) {
    const stat = statSync(file);
    hash.update(`${relative(packageRoot, file)} ${stat.size} ${stat.mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

async function build(sources, buildDir) {
  const { build: esbuild } = await import('esbuild');
  const temporary = `${buildDir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await esbuild({
      entryPoints: sources,
      outdir: temporary,
      outbase: packageRoot,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Read only when stack traces are shown (--verbose turns source maps on).
      sourcemap: 'linked',
      logLevel: 'silent',
    });
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    const first = error?.errors?.[0];
    if (!first) throw error;
    const where = first.location ? `${relative(packageRoot, first.location.file)}:${first.location.line}:${first.location.column}` : 'the sources';
    throw new CompileError(`${where}: ${first.text}`);
  }
  try {
    renameSync(temporary, buildDir);
  } catch (error) {
    // Another command finished the same build first: its copy is identical.
    rmSync(temporary, { recursive: true, force: true });
    if (!existsSync(buildDir)) throw error;
  }
}

function pruneOldBuilds(current) {
  try {
    const now = Date.now();
    const builds = readdirSync(buildsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => ({ path: join(buildsDir, entry.name), mtimeMs: statSync(join(buildsDir, entry.name)).mtimeMs }));
    const finished = builds.filter((b) => !b.path.includes('.tmp-') && b.path !== current).sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const old of finished.slice(KEEP_BUILDS)) if (!inUse(old.path)) rmSync(old.path, { recursive: true, force: true });
    for (const abandoned of builds.filter((b) => b.path.includes('.tmp-') && now - b.mtimeMs > ABANDONED_MS)) rmSync(abandoned.path, { recursive: true, force: true });
  } catch {
    // Pruning is housekeeping: a build in use elsewhere or a permissions quirk must not fail the command.
  }
}
