/**
 * `npm run bench:build`: a full build of the models on demo accounts of
 * 1,000, 10,000 and 100,000 customers.
 *
 * Per size it prints the build seconds (every model, the docs tables and the
 * data tests in one transaction; publishing the read-only copy is timed on its
 * own), the seconds of one plain scan of the raw tables (reading every raw
 * row's JSON once: the floor any build pays), their ratio, and the build's peak
 * RSS. Each build runs in a child process of its own on a fresh copy of the raw
 * warehouse, so its RSS is its own and no cache is warm.
 *
 * The raw warehouses are made once per size by the real extractor reading a
 * generated account from the demo server, and kept in bench-results/cache/
 * (delete it to start over). Targets (issue 3): 100,000 customers in under
 * 60 s on 2 cores, within 10x of the raw scan, growing linearly.
 *
 * Options: --sizes 1000,10000,100000  --seed N (42)  --json
 */
import { execFileSync, fork } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NOW = '2026-06-15T12:00:00Z';
const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const cacheDir = join(root, 'bench-results', 'cache');

interface BuildFigures {
  customers: number;
  rawRows: number;
  rawMegabytes: number;
  scanSeconds: number;
  buildSeconds: number;
  publishSeconds: number;
  peakRssMegabytes: number;
  models: number;
  tests: number;
}

function option(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at < 0 ? undefined : argv[at + 1];
}

/** Child mode `--prepare SIZE SEED PATH`: the raw warehouse of a generated account, through the real extractor. */
async function prepare(customers: number, seed: number, path: string): Promise<void> {
  const { generateDemoAccount } = await import('../../demo/generate/generateDemoAccount.js');
  const { startDemoServer } = await import('../../demo/server/startDemoServer.js');
  const { extractStripe } = await import('../../extract/stripe/extractStripe.js');
  const { Warehouse } = await import('../../warehouse/warehouse.js');
  const account = generateDemoAccount({ customers, seed, now: NOW });
  const server = await startDemoServer({ account });
  const warehouse = await Warehouse.open({ path });
  try {
    await extractStripe({ warehouse, apiKey: 'sk_test_bench', apiBase: server.url, rate: 1000 });
    await warehouse.checkpoint();
  } finally {
    await warehouse.close();
    await server.close();
  }
}

/** Child mode `--measure PATH`: scan the raw tables once, then build; report figures on stdout. */
async function measure(path: string, customers: number): Promise<void> {
  const { Warehouse } = await import('../../warehouse/warehouse.js');
  const { buildProject } = await import('../../transform/build.js');
  const warehouse = await Warehouse.open({ path });
  const tables = await warehouse.all<{ name: string }>(
    `select table_name as name from information_schema.tables where table_schema = 'raw_stripe' and table_catalog = current_database() and not starts_with(table_name, '_') order by 1`,
  );
  const scanStarted = performance.now();
  let rawRows = 0;
  let rawBytes = 0;
  for (const { name } of tables) {
    const [row] = await warehouse.all<{ n: number; bytes: number }>(`select count(*) as n, coalesce(sum(strlen(data::varchar)), 0)::bigint as bytes from raw_stripe."${name}"`);
    rawRows += row!.n;
    rawBytes += row!.bytes;
  }
  const scanSeconds = (performance.now() - scanStarted) / 1000;
  const buildStarted = performance.now();
  const result = await buildProject({ warehouse, projectDir: root, vars: { now: NOW, timezone: 'UTC', reporting_currency: '' }, publish: false });
  const buildSeconds = (performance.now() - buildStarted) / 1000;
  const { publishWarehouse } = await import('../../warehouse/publish.js');
  const publishStarted = performance.now();
  await publishWarehouse(warehouse);
  const publishSeconds = (performance.now() - publishStarted) / 1000;
  await warehouse.close();
  const figures: BuildFigures = {
    customers,
    rawRows,
    rawMegabytes: rawBytes / 1e6,
    scanSeconds,
    buildSeconds,
    publishSeconds,
    peakRssMegabytes: process.resourceUsage().maxRSS / 1024,
    models: result.models.length,
    tests: result.tests.length,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

function runChild(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    child.stdout!.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`bench child ${args[0]} exited with ${code}`))));
  });
}

async function main(argv: readonly string[]): Promise<void> {
  const sizes = (option(argv, '--sizes') ?? '1000,10000,100000').split(',').map(Number);
  const seed = Number(option(argv, '--seed') ?? 42);
  const json = argv.includes('--json');
  mkdirSync(cacheDir, { recursive: true });
  const rows: BuildFigures[] = [];
  for (const customers of sizes) {
    const cached = join(cacheDir, `raw-${customers}-seed${seed}.duckdb`);
    if (!existsSync(cached)) {
      const started = performance.now();
      process.stderr.write(`preparing a ${customers.toLocaleString('en-US')}-customer raw warehouse (once; cached in ${cached})...\n`);
      const temporary = `${cached}.partial`;
      rmSync(temporary, { force: true });
      rmSync(`${temporary}.wal`, { force: true });
      await runChild(['--prepare', String(customers), String(seed), temporary]);
      execFileSync('mv', [temporary, cached]);
      process.stderr.write(`  prepared in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    }
    const work = mkdtempSync(join(tmpdir(), 'tributary-bench-build-'));
    const path = join(work, 'warehouse.duckdb');
    copyFileSync(cached, path);
    try {
      const out = await runChild(['--measure', path, String(customers)]);
      rows.push(JSON.parse(out.trim().split('\n').pop()!) as BuildFigures);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  console.log(`bench:build  ${rows[0] ? `(${rows[0].models} models, ${rows[0].tests} data tests)` : ''}`);
  console.log('customers  raw rows   raw MB   scan s  build s  build/scan  publish s  peak RSS MB  vs 60 s');
  for (const row of rows) {
    console.log(
      [
        row.customers.toLocaleString('en-US').padStart(9),
        row.rawRows.toLocaleString('en-US').padStart(10),
        fmt(row.rawMegabytes, 0).padStart(8),
        fmt(row.scanSeconds, 2).padStart(8),
        fmt(row.buildSeconds, 1).padStart(8),
        `${fmt(row.buildSeconds / row.scanSeconds, 1)}x`.padStart(11),
        fmt(row.publishSeconds, 1).padStart(10),
        fmt(row.peakRssMegabytes, 0).padStart(12),
        fmt(row.buildSeconds / 60, 2).padStart(8),
      ].join(' '),
    );
  }
  if (rows.length > 1) {
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    const growth = last.buildSeconds / first.buildSeconds / (last.rawRows / first.rawRows);
    console.log(`growth: build time grew ${fmt(last.buildSeconds / first.buildSeconds, 1)}x for ${fmt(last.rawRows / first.rawRows, 1)}x the raw rows (${fmt(growth, 2)} of linear; below 1 is better than linear).`);
  }
  console.log('Targets: 100,000 customers under 60 s (the "vs 60 s" column below 1.00), build/scan under 10x, growth near linear.');
}

const argv = process.argv.slice(2);
if (argv[0] === '--prepare') await prepare(Number(argv[1]), Number(argv[2]), argv[3]!);
else if (argv[0] === '--measure') await measure(argv[1]!, Number(argv[2]));
else await main(argv);
