/**
 * `npm run bench`: every benchmark, one after another, each in a process of
 * its own (so one's memory or warm caches never flatter the next). Each prints
 * its own figures as ratios measured in that run; this script only sequences
 * them and says at the end which failed to run.
 *
 * Options: --only extract,build,import,reports,demo  (the default is all, in that order)
 * Any other arguments are passed to every benchmark (e.g. --json).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

/** Each benchmark runs as its own npm script does (`bench:<name>`), node flags included; this is their order. */
const order = ['extract', 'build', 'import', 'reports', 'demo'];
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const benchmarks = Object.fromEntries(order.filter((name) => `bench:${name}` in scripts).map((name) => [name, `bench:${name}`]));

const argv = process.argv.slice(2);
const onlyAt = argv.indexOf('--only');
const selected = onlyAt >= 0 ? (argv[onlyAt + 1] ?? '').split(',').filter(Boolean) : Object.keys(benchmarks);
const passed = onlyAt >= 0 ? argv.filter((_, index) => index !== onlyAt && index !== onlyAt + 1) : argv;

const unknown = selected.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}: choose from ${Object.keys(benchmarks).join(', ')}\n`);
  process.exit(2);
}

const failed: string[] = [];
for (const name of selected) {
  process.stdout.write(`\n== bench:${name} ==\n`);
  const run = spawnSync('npm', ['run', '--silent', `bench:${name}`, '--', ...passed], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) failed.push(`${name} (exit ${run.status ?? run.signal})`);
}
if (failed.length > 0) {
  process.stderr.write(`\nbenchmarks that did not finish: ${failed.join(', ')}\n`);
  process.exit(1);
}
