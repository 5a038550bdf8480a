import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { VARCHAR } from '@duckdb/node-api';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadSettings } from '../../config/settings.js';
import { UsageError } from '../../errors/index.js';
import type { FileImportResult, ImportProgress } from '../../extract/crm/importCrm.js';
import { parseMapOption } from '../../extract/crm/mapOption.js';
import { finishRun, startRun } from '../../extract/stripe/runs.js';
import { crmObjectNames, crmSystems, type CrmSystem } from '../../extract/crm/types.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { isInteractive } from '../output.js';
import { openForWriting } from '../writerWarehouse.js';
import { csvCell, csvLine } from './query.js';

const HELP = `
What it does:
  Loads CRM exports (CSV) into the warehouse: raw_crm.contacts (contacts, leads,
  persons), raw_crm.companies (companies, organizations) and raw_crm.deals, one row
  per record with its parsed fields and the whole row kept verbatim as JSON. The next
  build merges contacts into Stripe customers by email; the rest stay prospects.

  The export is recognized from its header row, and the command says how
  ("detected: HubSpot contacts export, by 'Record ID', 'Email', 'Lifecycle Stage'"):
    HubSpot      contacts, companies, deals (Contacts > Export, ...)
    Salesforce   contacts and leads, label style (reports: First Name, Account Name)
                 or API-name style (Data Loader, Data Export: FirstName, Account.Name)
    Pipedrive    persons, organizations, deals (Person - Name, Deal - Value, ...;
                 with or without the "Person - " prefix)
    generic      any other CSV, with --map naming the columns
  UTF-8 (with or without BOM) and UTF-16; comma, semicolon or tab separated.

  Importing the same file again changes nothing. A newer export of the same system
  updates records by their record id (the newest import wins); records missing from
  it stay. All files of one command are one transaction: if any file cannot be read
  as a table, nothing is imported and the error names the file and line. A row with
  a bad value (malformed email, unreadable date or amount) is kept with that field
  empty; the problem is listed and stored in raw_crm.import_issues.

  A regular UTF-8 export (every row as wide as the header, well quoted) is read by
  DuckDB's own CSV reader, several times faster; any other file is read row by row
  by csv-parse, which names the line of whatever is wrong. The summary says which,
  and why. Both store the same rows and issues.

Settings (environment or .env):
  TRIBUTARY_DB           the warehouse file (default data/warehouse.duckdb)

Examples:
  $ tributary import crm hubspot-crm-exports-all-contacts.csv
  $ tributary import crm all-companies.csv all-deals.csv        (HubSpot companies and deals)
  $ tributary import crm report1700000000000.csv --system salesforce --object lead
  $ tributary import crm Contact.csv Lead.csv                   (Salesforce Data Export)
  $ tributary import crm people-export.csv deals-export.csv     (Pipedrive)
  $ tributary import crm customers.csv --system generic --map email="E-mail Address",name="Full name",record_id=ID
  $ tributary import crm old-export.csv --encoding windows-1252 --issues-csv issues.csv
`;

interface ImportCrmCommandOptions {
  system?: CrmSystem;
  object?: string;
  map?: string[];
  encoding?: string;
  issuesCsv?: string;
  reader?: 'auto' | 'csv-parse';
}

export function registerImportCrm(program: Command): void {
  const importCommand = program.command('import').description('Load files exported from other systems into the raw tables of the warehouse.');
  importCommand
    .command('crm')
    .description('Load CRM CSV exports (HubSpot, Salesforce, Pipedrive, generic) into raw_crm.')
    .argument('<file...>', 'CSV exports to import, in one transaction')
    .option('--system <system>', `the CRM that wrote the files (${crmSystems.join(', ')}); detected from the headers when omitted`)
    .option('--object <object>', `what the files hold (${crmObjectNames.join(', ')}); detected when omitted, contact for generic`)
    .option('--map <field=Column,...>', 'read a field from a named column: email, record_id (id), full_name (name), first_name, last_name, company, owner, phone, created_at, ...', collect, [])
    .option('--encoding <label>', 'the file encoding when it is not UTF-8 or UTF-16 with a BOM, e.g. windows-1252')
    .option('--issues-csv <file>', 'also write every issue of this import to a CSV file')
    .option('--reader <reader>', 'auto: DuckDB reads regular UTF-8 files, csv-parse the rest; csv-parse: every file row by row', 'auto')
    .addHelpText('after', HELP)
    .action(async (files: string[], options: ImportCrmCommandOptions) => {
      if (options.system && !(crmSystems as readonly string[]).includes(options.system)) throw new UsageError(`--system must be one of ${crmSystems.join(', ')} (got '${options.system}').`);
      if (options.object && !(crmObjectNames as readonly string[]).includes(options.object)) throw new UsageError(`--object must be one of ${crmObjectNames.join(', ')} (got '${options.object}').`);
      const map = parseMapOption(options.map ?? []);
      if (Object.keys(map).length > 0 && !options.system) throw new UsageError('--map needs --system (generic for files of no known CRM).');
      if (options.reader !== 'auto' && options.reader !== 'csv-parse') throw new UsageError(`--reader must be auto or csv-parse (got '${options.reader}').`);
      const settings = loadSettings();
      const warehouse = await openForWriting('import crm', { path: settings.TRIBUTARY_DB });
      const progress = isInteractive() ? new ProgressBar() : new ProgressLines();
      // The run is recorded outside the import's transaction, so a failed import leaves its trace in meta.runs.
      const runId = await startRun(warehouse.db, { command: 'import crm' });
      try {
        const { importCrmFiles } = await import('../../extract/crm/importCrm.js');
        const results = await importCrmFiles({ warehouse, files, system: options.system, object: options.object, map, encoding: options.encoding, reader: options.reader, onProgress: progress.update });
        await finishRun(warehouse.db, runId, { status: 'succeeded', counts: runCounts(results) });
        progress.stop();
        process.stdout.write(renderResults(results));
        if (options.issuesCsv) await writeIssuesCsv(warehouse, results, options.issuesCsv);
      } catch (error) {
        await finishRun(warehouse.db, runId, { status: 'failed', counts: {}, error: error instanceof Error ? error.message : String(error) }).catch(() => undefined);
        throw error;
      } finally {
        progress.stop();
        await warehouse.close();
      }
    });
}

function runCounts(results: readonly FileImportResult[]): Record<string, number> {
  const imported = results.filter((result) => result.status === 'imported');
  const sum = (pick: (result: FileImportResult) => number) => imported.reduce((total, result) => total + pick(result), 0);
  return {
    files: results.length,
    imported_files: imported.length,
    rows: sum((result) => result.rows),
    new: sum((result) => result.newRecords),
    updated: sum((result) => result.updatedRecords),
    unchanged: sum((result) => result.unchangedRecords),
    issues: sum((result) => result.issues),
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function renderResults(results: readonly FileImportResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`${result.file}`);
    lines.push(`  detected: ${result.detected}`);
    if (result.status === 'already-imported') {
      lines.push(`  already imported (same sha256) as ${result.importId} on ${result.importedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC: nothing changed`);
      continue;
    }
    lines.push(result.reader === 'duckdb' ? "  read by DuckDB's CSV reader" : `  read row by row (csv-parse): ${result.readerReason}`);
    const duplicates = result.duplicates ? `, ${count(result.duplicates)} superseded by a later line with the same record id` : '';
    lines.push(
      `  ${count(result.rows)} rows into ${result.table}: ${count(result.newRecords)} new, ${count(result.updatedRecords)} updated, ${count(result.unchangedRecords)} unchanged${duplicates}; ${count(result.issues)} issue${result.issues === 1 ? '' : 's'} (import ${result.importId}, ${rate(result)})`,
    );
    for (const issue of result.firstIssues) {
      const value = issue.value !== null && issue.column ? ` '${truncate(issue.value)}'` : '';
      lines.push(`    line ${issue.line}${issue.column ? `, ${issue.column}` : ''}${value}: ${issue.reason}`);
    }
    if (result.issues > result.firstIssues.length) lines.push(`    ... all ${count(result.issues)} are in raw_crm.import_issues (import_id = '${result.importId}')`);
  }
  const imported = results.filter((result) => result.status === 'imported');
  if (results.length > 1) {
    const rows = imported.reduce((sum, result) => sum + result.rows, 0);
    const issues = imported.reduce((sum, result) => sum + result.issues, 0);
    lines.push(`${results.length} files: ${imported.length} imported (${count(rows)} rows, ${count(issues)} issues), ${results.length - imported.length} already imported.`);
  }
  return `${lines.join('\n')}\n`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function rate(result: FileImportResult): string {
  const seconds = Math.max(result.seconds, 0.001);
  // A rate over a handful of rows measures start-up, not throughput.
  return result.rows >= 10_000 ? `${seconds.toFixed(1)} s, ${count(Math.round(result.rows / seconds))} rows/s` : `${seconds.toFixed(1)} s`;
}

function truncate(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}

/** The issues as CSV for a spreadsheet; cells that look like formulas are escaped the way `tributary query --format csv` does. */
async function writeIssuesCsv(warehouse: Warehouse, results: readonly FileImportResult[], path: string): Promise<void> {
  const ids = results.filter((result) => result.status === 'imported').map((result) => result.importId);
  const rows = ids.length
    ? await warehouse.db.selectFrom('raw_crm.import_issues').selectAll().where('import_id', 'in', ids).orderBy('file').orderBy('line').execute()
    : [];
  const out = createWriteStream(path);
  out.write(csvLine(['import_id', 'file', 'line', 'column', 'value', 'reason']));
  for (const row of rows) {
    const cells = [row.import_id, row.file, String(row.line), row.column_name ?? '', row.value ?? '', row.reason].map((cell) => csvCell(cell, VARCHAR));
    if (!out.write(csvLine(cells))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  process.stdout.write(`${count(rows.length)} issues written to ${path}\n`);
}

interface ProgressDisplay {
  readonly update: (progress: ImportProgress) => void;
  stop(): void;
}

/** A bar per file on a terminal: bytes read, rows, rows/s. */
class ProgressBar implements ProgressDisplay {
  private bar: cliProgress.SingleBar | null = null;
  private file = '';
  private started = 0;

  readonly update = (progress: ImportProgress): void => {
    if (progress.file !== this.file) {
      this.bar?.stop();
      this.file = progress.file;
      this.started = Date.now();
      this.bar = new cliProgress.SingleBar(
        { format: '{file} {bar} {percentage}% | {phase} | {rows} rows | {rate} rows/s', hideCursor: true, barsize: 24, fps: 5, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(progress.totalBytes, 0, { file: progress.file, phase: progress.phase, rows: 0, rate: 0 });
    }
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    this.bar!.update(progress.bytes, { phase: progress.phase, rows: count(progress.rows), rate: count(Math.round(progress.rows / seconds)) });
  };

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/** Plain lines for logs and pipes: at most one every five seconds, so small files print none. */
class ProgressLines implements ProgressDisplay {
  private lastLine = 0;
  private started = 0;
  private file = '';

  readonly update = (progress: ImportProgress): void => {
    const now = Date.now();
    if (progress.file !== this.file) {
      this.file = progress.file;
      this.started = now;
      this.lastLine = now;
      return;
    }
    if (now - this.lastLine < 5000) return;
    this.lastLine = now;
    const seconds = Math.max(0.001, (now - this.started) / 1000);
    const percent = progress.totalBytes ? Math.floor((100 * progress.bytes) / progress.totalBytes) : 0;
    process.stdout.write(`${progress.file}: ${progress.phase}, ${percent}%, ${count(progress.rows)} rows, ${count(Math.round(progress.rows / seconds))} rows/s\n`);
  };

  stop(): void {}
}
