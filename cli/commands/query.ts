import { once } from 'node:events';
import { Option, type Command } from 'commander';
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { loadSettings } from '../../config/settings.js';
import { WorkError } from '../../errors/index.js';
import { cellText, isNumericType, jsonText, streamPlainRows, tableCell, type PlainResult, type PlainValue } from '../../transform/plainRows.js';
import { openPublishedCopy, publishedPathFor } from '../../warehouse/publish.js';
import { renderTable } from '../output.js';

type Format = 'table' | 'csv' | 'json';

export function registerQueryCommand(program: Command): void {
  program
    .command('query')
    .description('Run read-only SQL against the last published build (the marts and meta), even while a build or serve holds the warehouse.')
    .argument('<sql>', 'the SQL to run; quote it for the shell')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .addHelpText(
      'after',
      `
The query reads <TRIBUTARY_DB without .duckdb>.published.duckdb, the copy of schemas
marts and meta that each successful \`tributary build\` writes; it never waits for a
writer and never sees a half-built state. Statements that write, and file access
(COPY, ATTACH, read_csv), are refused.

Formats:
  table  aligned columns (the default)
  csv    RFC 4180 with a header; text cells starting with = + - @ are prefixed with '
         so spreadsheets do not run them as formulas
  json   one array of row objects: numbers as numbers, dates YYYY-MM-DD, timestamps
         ISO 8601, lists as arrays, structs as objects, NULL as null

Examples:
  $ tributary query "select month, mrr, net_new_mrr from marts.mrr_monthly order by month desc limit 6"
  $ tributary query "select * from marts.customers" --format csv > customers.csv`,
    )
    .action(async (sql: string, options: { format: Format }) => {
      const settings = loadSettings();
      const copy = await openPublishedCopy(settings.TRIBUTARY_DB);
      const path = publishedPathFor(settings.TRIBUTARY_DB);
      try {
        refuseWrites(sql, path);
        const result = await streamPlainRows(copy.connection, sql);
        await writers[options.format](result);
      } catch (error) {
        if (error instanceof WorkError) throw error;
        throw new WorkError(describeQueryError(error, path), { cause: error });
      } finally {
        await copy.close();
      }
    });
}

const writers: Record<Format, (result: PlainResult) => Promise<void>> = {
  async table(result) {
    const rows: string[][] = [];
    for await (const chunk of result.chunks) for (const row of chunk) rows.push(row.map(tableCell));
    const alignRight = result.types.flatMap((type, i) => (isNumericType(type) ? [i] : []));
    await write(`${renderTable(result.columns, rows, { alignRight })}\n${rows.length} row${rows.length === 1 ? '' : 's'}\n`);
  },
  async csv(result) {
    await write(csvLine(result.columns));
    for await (const chunk of result.chunks) {
      await write(chunk.map((row) => csvLine(row.map((value, i) => csvCell(value, result.types[i]!)))).join(''));
    }
  },
  async json(result) {
    let first = true;
    await write('[');
    for await (const chunk of result.chunks) {
      const objects = chunk.map((row) => `{${row.map((value, i) => `${JSON.stringify(result.columns[i])}:${jsonText(value)}`).join(',')}}`);
      if (objects.length === 0) continue;
      await write(`${first ? '\n' : ',\n'}${objects.join(',\n')}`);
      first = false;
    }
    await write(first ? ']\n' : '\n]\n');
  },
};

/** A CSV cell; text that a spreadsheet would run as a formula gets a leading '. */
export function csvCell(value: PlainValue, type: DuckDBType): string {
  const text = cellText(value);
  const isText = typeof value === 'string' && (type.typeId === DuckDBTypeId.VARCHAR || type.typeId === DuckDBTypeId.ENUM);
  return isText && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** RFC 4180: CRLF line ends; fields with a comma, quote or line break quoted, quotes doubled. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map((cell) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)).join(',')}\r\n`;
}

const writeStatements = ['insert', 'update', 'delete', 'create', 'drop', 'alter', 'copy', 'attach', 'detach', 'checkpoint', 'vacuum', 'truncate', 'merge', 'install', 'load', 'export', 'import'];

/**
 * The copy is opened read-only and DuckDB refuses writes anyway; naming the
 * statement before DuckDB binds it gives the clear sentence even when the
 * write is also malformed (DuckDB would report the binding problem first).
 */
export function refuseWrites(sql: string, publishedPath: string): void {
  const leading = /^[a-z]+/i.exec(sql.replace(/^(\s|--[^\n]*\n?|\/\*[\s\S]*?\*\/)+/, ''))?.[0]?.toLowerCase();
  if (leading && writeStatements.includes(leading)) throw new WorkError(readOnlyMessage(leading.toUpperCase(), publishedPath));
}

function readOnlyMessage(statement: string, publishedPath: string): string {
  return `tributary query only reads: the ${statement} statement was refused (it runs against the published copy ${publishedPath}; tables change through extract, import and build).`;
}

export function describeQueryError(error: unknown, publishedPath: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const statement = /statement of type "([A-Z_ ]+)"[^\n]*read-only mode/.exec(message)?.[1];
  if (statement) return readOnlyMessage(statement, publishedPath);
  if (/file system operations are disabled|external access/i.test(message)) {
    return `tributary query reads only the published copy ${publishedPath}: reading or writing other files (COPY, ATTACH, read_csv, ...) is switched off.`;
  }
  // DuckDB adds the statement and a caret after a blank line; the sentence before it is the message.
  const sentence = message
    .split(/\n\s*\n/)[0]!
    .replace(/^Failed to extract statements: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  return `The query failed: ${sentence}`;
}

async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}
