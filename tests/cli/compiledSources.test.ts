import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const REPO = join(fileURLToPath(import.meta.url), '..', '..', '..');

/**
 * bin/compiledSources.js works on the package it sits in: each test copies it
 * (and bin/tributary.js) into a package of its own, with a node_modules that
 * links only esbuild and tsx, so
 * the builds it makes land in that package and never in the repo.
 */
let pkg: string;
beforeEach(() => {
  pkg = mkdtempSync(join(tmpdir(), 'tributary-compiled-'));
  mkdirSync(join(pkg, 'bin'));
  mkdirSync(join(pkg, 'node_modules'));
  for (const file of ['compiledSources.js', 'tributary.js']) copyFileSync(join(REPO, 'bin', file), join(pkg, 'bin', file));
  for (const dependency of ['esbuild', 'tsx']) symlinkSync(join(REPO, 'node_modules', dependency), join(pkg, 'node_modules', dependency));
  writeFileSync(join(pkg, 'package.json'), '{ "type": "module" }\n');
  mkdirSync(join(pkg, 'cli'));
  mkdirSync(join(pkg, 'warehouse'));
  writeFileSync(join(pkg, 'warehouse', 'answer.ts'), 'export const answer: number = 41 + 1;\n');
  writeFileSync(join(pkg, 'cli', 'main.ts'), "import { answer } from '../warehouse/answer.js';\nconst said: string = `answer ${answer} from ${import.meta.url.endsWith('.js') ? 'js' : 'ts'}`;\nconsole.log(said);\n");
});
afterEach(() => rmSync(pkg, { recursive: true, force: true }));

/** Runs compiledUrl in a fresh node process, as bin/tributary.js does, and imports what it returns. */
function runCompiled(source = 'cli/main.ts') {
  const script = `const { compiledUrl } = await import(${JSON.stringify(pathToFileURL(join(pkg, 'bin', 'compiledSources.js')).href)});
try { const url = await compiledUrl(${JSON.stringify(source)}); console.log('url ' + url); await import(url); }
catch (error) { console.log(error.constructor.name + ': ' + error.message); }`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return result.stdout;
}

const builds = () => readdirSync(join(pkg, '.build')).sort();

describe('compiledSources', () => {
  it('compiles the sources once and runs the compiled JavaScript, with the same imports', () => {
    const first = runCompiled();
    expect(first).toContain('answer 42 from js');
    const url = /^url (.+)$/m.exec(first)![1]!;
    expect(url.endsWith('/cli/main.js')).toBe(true);
    expect(url).toContain(`${pathToFileURL(pkg).href}/.build/`);
    expect(builds()).toHaveLength(1);

    const second = runCompiled();
    expect(second).toContain(`url ${url}`);
    expect(builds()).toHaveLength(1);
  });

  it('builds again when a source changes, so a command never runs stale code', () => {
    const before = /^url (.+)$/m.exec(runCompiled())![1]!;
    writeFileSync(join(pkg, 'warehouse', 'answer.ts'), 'export const answer: number = 43;\n');
    const after = runCompiled();
    expect(after).toContain('answer 43 from js');
    expect(/^url (.+)$/m.exec(after)![1]).not.toBe(before);

    // Only the mtime changing is enough too (a checkout rewrites files).
    utimesSync(join(pkg, 'cli', 'main.ts'), new Date(), new Date(Date.now() + 5_000));
    const touched = /^url (.+)$/m.exec(runCompiled())![1]!;
    expect(touched).not.toBe(/^url (.+)$/m.exec(after)![1]);
    expect(builds()).toHaveLength(3);
  });

  it('keeps the newest builds and prunes the rest, but never one a live process runs from', async () => {
    const { spawn } = await import('node:child_process');
    // A long-running command (serve) started on the first build: it imports lazily, so its build must stay.
    writeFileSync(join(pkg, 'cli', 'serve.ts'), "await new Promise((resolve) => setTimeout(resolve, 60_000));\n");
    const script = `const { compiledUrl } = await import(${JSON.stringify(pathToFileURL(join(pkg, 'bin', 'compiledSources.js')).href)}); const url = await compiledUrl('cli/serve.ts'); console.log(url); await import(url);`;
    const server = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const serving = await new Promise<string>((resolve) => server.stdout.once('data', (chunk) => resolve(String(chunk).trim())));
      const servingBuild = fileURLToPath(serving).split('/.build/')[1]!.split('/')[0]!;
      for (let version = 0; version < 7; version++) {
        writeFileSync(join(pkg, 'warehouse', 'answer.ts'), `export const answer: number = ${version};\n`);
        expect(runCompiled()).toContain(`answer ${version} from js`);
      }
      // The current build, the four before it, and the one the live process runs from.
      expect(builds()).toHaveLength(6);
      expect(builds()).toContain(servingBuild);
      server.kill();
      await new Promise((resolve) => server.once('exit', resolve));
      writeFileSync(join(pkg, 'warehouse', 'answer.ts'), 'export const answer: number = 99;\n');
      expect(runCompiled()).toContain('answer 99 from js');
      // Once that process is gone, its build goes like any other.
      expect(builds()).toHaveLength(5);
      expect(builds()).not.toContain(servingBuild);
    } finally {
      server.kill();
    }
  });

  it('names the file, line and column of a source that does not compile', () => {
    writeFileSync(join(pkg, 'warehouse', 'answer.ts'), 'export const answer: number = 41 +;\n');
    const out = runCompiled();
    expect(out).toMatch(/^CompileError: warehouse\/answer\.ts:1:\d+: /m);
    expect(out).not.toContain('url ');
    // Nothing half-built is left to be mistaken for a build.
    expect(builds()).toEqual([]);
  });

  it('lets commands started together build at once without seeing half a build', async () => {
    const { spawn } = await import('node:child_process');
    const script = `const { compiledUrl } = await import(${JSON.stringify(pathToFileURL(join(pkg, 'bin', 'compiledSources.js')).href)}); await import(await compiledUrl('cli/main.ts'));`;
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () =>
        new Promise<string>((resolve) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          child.stdout.on('data', (chunk) => (out += chunk));
          child.stderr.on('data', (chunk) => (out += chunk));
          child.on('close', () => resolve(out));
        }),
      ),
    );
    for (const out of outputs) expect(out.trim()).toBe('answer 42 from js');
    expect(builds()).toHaveLength(1);
  });

  it('runs the CLI from the build, says which file does not compile, and falls back to tsx where no build can be written', () => {
    // Without Node's guessing of module syntax (Node 20 before 20.19 has none): the build is ES modules by its package's type.
    const cli = (args: string[] = []) => spawnSync(process.execPath, ['--no-experimental-detect-module', join(pkg, 'bin', 'tributary.js'), ...args], { encoding: 'utf8' });
    expect(cli().stdout).toBe('answer 42 from js\n');

    writeFileSync(join(pkg, 'warehouse', 'answer.ts'), 'export const answer: number = 41 +;\n');
    const broken = cli();
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/^tributary: the sources do not compile: warehouse\/answer\.ts:1:\d+: /);

    writeFileSync(join(pkg, 'warehouse', 'answer.ts'), 'export const answer: number = 44;\n');
    // A file where the build directory should be: no build can be written, as on a read-only install.
    rmSync(join(pkg, '.build'), { recursive: true, force: true });
    writeFileSync(join(pkg, '.build'), '');
    const fallback = cli();
    expect(fallback.stderr).toBe('');
    expect(fallback.stdout).toBe('answer 44 from ts\n');
  });
});
