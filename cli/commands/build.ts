import type { Command } from 'commander';
import { loadSettings, type Settings } from '../../config/settings.js';
import type { BuildResult, ModelResult } from '../../transform/build.js';
import type { TestResult } from '../../transform/dataTests.js';
import { isNumberValue, tableCell } from '../../transform/plainRows.js';
import { runtimeVars, type VarValue } from '../../transform/projectSettings.js';
import { openForWriting } from '../writerWarehouse.js';
import { renderTable } from '../output.js';

export function registerBuildCommand(program: Command): void {
  program
    .command('build')
    .description('Build the SQL models and run the data tests in one transaction, then publish the marts for query and the reports.')
    .option('-s, --select <models...>', 'build only these: model, model+ (and downstream), +model (and upstream); the rest keep their tables')
    .addHelpText(
      'after',
      `
Models are the .sql files under models/staging, models/intermediate and models/marts
(schemas staging, intermediate, marts; the table is the file name); seeds/*.csv load
into schema seeds. Templates: {{ ref('model') }}, {{ source('stripe', 'invoices') }},
{{ var('mrr.discounts') }}, {{ config(materialized='view') }}. Settings come from
tributary.yml in the working directory; vars now, reporting_currency and timezone from
TRIBUTARY_NOW, TRIBUTARY_REPORTING_CURRENCY and TRIBUTARY_TZ.

Everything runs in one transaction on TRIBUTARY_DB: a failing model or data test rolls
it all back and the previous tables stay as they were. A successful build is copied to
<TRIBUTARY_DB without .duckdb>.published.duckdb, which tributary query and the reports read.

Examples:
  $ tributary build
  $ tributary build --select stg_stripe__invoices+     the model and everything downstream
  $ tributary build --select +mrr_monthly              the model and everything it reads`,
    )
    .action(async (options: { select?: string[] }) => {
      const settings = loadSettings();
      const warehouse = await openForWriting('build', { path: settings.TRIBUTARY_DB });
      try {
        const { buildProject } = await import('../../transform/build.js');
        const result = await buildProject({
          warehouse,
          projectDir: process.cwd(),
          select: options.select ?? [],
          vars: runtimeVarsFrom(settings),
          onModel: printModelResult,
          onTest: printTestResult,
          onWarning: printWarning,
        });
        process.stdout.write(`${summary(result)}\n`);
      } finally {
        await warehouse.close();
      }
    });
}

/** The environment's part of the template vars: now, reporting_currency, timezone. */
export function runtimeVarsFrom(settings: Settings): Record<string, VarValue> {
  return runtimeVars({ now: settings.TRIBUTARY_NOW, reportingCurrency: settings.TRIBUTARY_REPORTING_CURRENCY, timezone: settings.TRIBUTARY_TZ });
}

function printModelResult(result: ModelResult): void {
  const status = result.status === 'ok' ? '' : '  FAILED';
  const rows = result.rows === null ? '-' : `${result.rows.toLocaleString('en-US')} rows`;
  process.stdout.write(`  ${result.materialized.padEnd(5)}  ${`${result.schema}.${result.name}`.padEnd(48)} ${rows.padStart(14)}  ${result.seconds.toFixed(2).padStart(7)} s${status}\n`);
}

function summary(result: BuildResult): string {
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const of = (kind: string) => result.models.filter((model) => model.materialized === kind).length;
  const models = result.models.length - of('seed');
  const parts = [`${count(models, 'model')} (${count(of('view'), 'view')}, ${count(of('table'), 'table')})`];
  if (of('seed') > 0) parts.push(count(of('seed'), 'seed'));
  const published = result.publishedPath ? ` Published ${result.publishedPath}.` : '';
  return `Built ${parts.join(' and ')}, ${count(result.tests.length, 'data test')} passed, in ${result.seconds.toFixed(2)} s.${published}`;
}

export function printTestResult(result: TestResult): void {
  if (result.status === 'pass') {
    process.stdout.write(`  pass  ${result.name}\n`);
    return;
  }
  if (result.status === 'error') {
    process.stdout.write(`  ERROR ${result.name} (${result.file}): ${result.error}\n`);
    return;
  }
  const shown = result.rows.length < result.failures ? `, the first ${result.rows.length}` : '';
  process.stdout.write(`  FAIL  ${result.name} (${result.file}): ${result.failures} failing row${result.failures === 1 ? '' : 's'}${shown}:\n`);
  const numeric = result.columns.flatMap((column, i) => (result.rows.some((row) => isNumberValue(row[column] ?? null)) ? [i] : []));
  const table = renderTable(
    result.columns,
    result.rows.map((row) => result.columns.map((column) => tableCell(row[column] ?? null))),
    { alignRight: numeric },
  );
  process.stdout.write(`${table.replace(/^/gm, '        ')}\n`);
}

export function printWarning(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}
