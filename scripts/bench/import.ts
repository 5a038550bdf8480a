/**
 * `npm run bench:import`: generates a 1,000,000-row HubSpot contacts export
 * (16 realistic columns, every cell quoted, CRLF, about 220 MB), imports it
 * with the real `tributary import crm` in a child process, and prints rows/s,
 * the child's peak RSS and the data sizes against the targets (at least
 * 100,000 rows/s, under 400 MB) as ratios (1.0 or more meets the target).
 *
 * rows/s is the import's own (as the command reports it: from its first read
 * of the file to its commit); the wall time of the whole command, start-up
 * included, is printed beside it. Peak RSS is the child's maxRSS, worker
 * threads and DuckDB included; beside it, what the CLI holds before the
 * import begins (node, tsx, the command-line wiring and DuckDB).
 *
 * The command reads a regular export with DuckDB's CSV reader; `--baseline`
 * also imports the same file with `--reader csv-parse` (row by row, what any
 * irregular file gets) into a second warehouse, and prints the ratio of the
 * two rates measured in this run.
 *
 * Options: --rows N (1000000), --baseline, --keep (leave the temp directory), --json.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeHubspotContactsExport } from '../../tests/fixtures/crm/generate.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const targetRowsPerSecond = 100_000;
export const targetPeakRssBytes = 400 * 1024 * 1024;

export interface ImportMeasurement {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Rows the command reported importing. */
  readonly rows: number;
  /** The import's own rate, as the command reports it. */
  readonly rowsPerSecond: number;
  readonly importSeconds: number;
  readonly wallSeconds: number;
  readonly peakRssBytes: number;
}

/**
 * Imports FILE in a child process that reports its own peak RSS
 * (process.resourceUsage().maxRSS, written to stderr on exit by a preloaded
 * module), so the measure is that process and nothing else.
 *
 * `cli` runs `tributary import crm FILE`, what a user runs, command-line
 * wiring included. `module` runs the import module alone, as a script would
 * call it: the import's own footprint.
 */
export async function measureImport(file: string, db: string, workDir: string, via: 'cli' | 'module' = 'cli', extraArgs: readonly string[] = []): Promise<ImportMeasurement> {
  const preload = join(workDir, 'report-max-rss.mjs');
  writeFileSync(preload, `process.on('exit', () => process.stderr.write('maxrss-kb ' + process.resourceUsage().maxRSS + '\\n'));\n`);
  let args: string[];
  if (via === 'cli') {
    args = [join(repo, 'bin/tributary.js'), 'import', 'crm', file, ...extraArgs];
  } else {
    const runner = join(workDir, 'import-module.mjs');
    writeFileSync(
      runner,
      `const { Warehouse } = await import(${JSON.stringify(pathToFileURL(join(repo, 'warehouse/warehouse.ts')).href)});
const { importCrmFiles } = await import(${JSON.stringify(pathToFileURL(join(repo, 'extract/crm/importCrm.ts')).href)});
const warehouse = await Warehouse.open({ path: process.env.TRIBUTARY_DB });
try {
  const [result] = await importCrmFiles({ warehouse, files: [process.argv[2]] });
  process.stdout.write(\`\${result.rows.toLocaleString('en-US')} rows into \${result.table}: module (import \${result.importId}, \${result.seconds.toFixed(1)} s, read by \${result.reader})\\n\`);
} finally {
  await warehouse.close();
}
`,
    );
    args = ['--import', 'tsx', runner, file];
  }
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', pathToFileURL(preload).href, ...args], {
    cwd: repo,
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], TRIBUTARY_DB: db, CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', resolvePromise);
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const maxRss = /maxrss-kb (\d+)/.exec(stderr);
  const summary = /([\d,]+) rows into raw_crm\.\w+: .*\(import \S+, ([\d.]+) s/.exec(stdout);
  const rows = summary ? Number(summary[1]!.replaceAll(',', '')) : 0;
  const importSeconds = summary ? Number(summary[2]) : Number.NaN;
  return {
    status,
    stdout,
    stderr: stderr.replace(/maxrss-kb \d+\n/, ''),
    rows,
    importSeconds,
    rowsPerSecond: rows / importSeconds,
    wallSeconds,
    peakRssBytes: maxRss ? Number(maxRss[1]) * 1024 : Number.NaN,
  };
}

/** The peak RSS of `tributary import crm --help`: what the CLI holds before an import begins. */
export async function measureCliBaseline(workDir: string): Promise<number> {
  const preload = join(workDir, 'report-max-rss.mjs');
  const child = spawn(process.execPath, ['--import', pathToFileURL(preload).href, join(repo, 'bin/tributary.js'), 'import', 'crm', '--help'], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise((resolvePromise) => child.on('close', resolvePromise));
  return Number(/maxrss-kb (\d+)/.exec(stderr)?.[1]) * 1024;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const rowsAt = argv.indexOf('--rows');
  const rows = rowsAt >= 0 ? Number(argv[rowsAt + 1]) : 1_000_000;
  const workDir = mkdtempSync(join(tmpdir(), 'tributary-bench-import-'));
  try {
    const file = join(workDir, 'hubspot-crm-exports-all-contacts.csv');
    const db = join(workDir, 'warehouse.duckdb');
    const generationStarted = performance.now();
    const fileBytes = await writeHubspotContactsExport(file, rows);
    const generationSeconds = (performance.now() - generationStarted) / 1000;
    const measurement = await measureImport(file, db, workDir);
    if (measurement.status !== 0) throw new Error(`the import failed (exit ${measurement.status}): ${measurement.stderr.trim()}`);
    const cliBaselineBytes = await measureCliBaseline(workDir);
    const reader = /read by DuckDB's CSV reader/.test(measurement.stdout) ? 'DuckDB' : 'csv-parse';
    const baseline = argv.includes('--baseline') ? await measureImport(file, join(workDir, 'baseline.duckdb'), workDir, 'cli', ['--reader', 'csv-parse']) : null;
    if (baseline && baseline.status !== 0) throw new Error(`the csv-parse import failed (exit ${baseline.status}): ${baseline.stderr.trim()}`);
    const warehouseBytes = statSync(db).size + (existsSync(`${db}.wal`) ? statSync(`${db}.wal`).size : 0);
    const result = {
      rows: measurement.rows,
      fileBytes,
      warehouseBytes,
      generationSeconds,
      importSeconds: measurement.importSeconds,
      commandSeconds: measurement.wallSeconds,
      rowsPerSecond: Math.round(measurement.rowsPerSecond),
      peakRssBytes: measurement.peakRssBytes,
      cliBaselineBytes,
      throughputRatio: measurement.rowsPerSecond / targetRowsPerSecond,
      memoryRatio: targetPeakRssBytes / measurement.peakRssBytes,
      reader,
      baselineRowsPerSecond: baseline ? Math.round(baseline.rowsPerSecond) : null,
      baselinePeakRssBytes: baseline ? baseline.peakRssBytes : null,
      speedupOverBaseline: baseline ? measurement.rowsPerSecond / baseline.rowsPerSecond : null,
    };
    if (argv.includes('--json')) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const lines = [
      `CRM import benchmark: ${measurement.rows.toLocaleString('en-US')} HubSpot contact rows`,
      `  file              ${megabytes(fileBytes)} (generated in ${generationSeconds.toFixed(1)} s)`,
      `  warehouse         ${megabytes(warehouseBytes)} after the import`,
      `  import            ${measurement.importSeconds.toFixed(1)} s, ${result.rowsPerSecond.toLocaleString('en-US')} rows/s (whole command ${measurement.wallSeconds.toFixed(1)} s; read by ${reader})`,
      `  peak RSS          ${megabytes(measurement.peakRssBytes)} (the CLI alone, before importing: ${megabytes(cliBaselineBytes)})`,
      `  throughput ratio  ${result.throughputRatio.toFixed(2)} (target ${targetRowsPerSecond.toLocaleString('en-US')} rows/s; 1.00 or more meets it)`,
      `  memory ratio      ${result.memoryRatio.toFixed(2)} (target under ${megabytes(targetPeakRssBytes)}; more than 1.00 meets it)`,
    ];
    if (baseline) {
      lines.push(
        `  csv-parse         ${baseline.importSeconds.toFixed(1)} s, ${result.baselineRowsPerSecond!.toLocaleString('en-US')} rows/s, peak RSS ${megabytes(baseline.peakRssBytes)} (same file, --reader csv-parse)`,
        `  speed-up          ${result.speedupOverBaseline!.toFixed(2)}x (DuckDB's reader over csv-parse, both measured in this run)`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    if (argv.includes('--keep')) process.stdout.write(`kept ${workDir}\n`);
    else rmSync(workDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
