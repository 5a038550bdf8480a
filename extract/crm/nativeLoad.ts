import { quoteIdentifier, quoteLiteral } from '../../warehouse/bulkLoad.js';
import type { WarehouseTransaction } from '../../warehouse/warehouse.js';
import { cellValueSql, isUnsureSql, trimmedSql } from './cellSql.js';
import type { FileFormat } from './format.js';
import type { ParsedBatch } from './parse.js';
import { provenanceColumns, rawCrmTables } from './rawTables.js';
import type { RecordShape } from './recordShape.js';
import { dataKey, RowProcessor, StagedBatch, type RowPlan } from './rows.js';
import type { StagedImport } from './tables.js';
import type { CrmField, ImportIssue } from './types.js';

/**
 * The fast way in for a regular UTF-8 export (recordShape.ts says which
 * files are): DuckDB reads the CSV itself and types the ordinary cells with
 * the SQL twins of cellSql.ts. Rows with any cell those twins are unsure of
 * (a US date, an address with an apostrophe, a missing record id) go through
 * RowProcessor, exactly as csv-parse's rows do, so both ways in store the
 * same rows and issues (tests/crm/nativeLoad.test.ts).
 *
 * A million-row HubSpot export took ~40 s row by row (csv-parse on one core,
 * DuckDB inserting batches on the other); this statement takes ~10 s on one
 * thread. It stays on one thread because rows are numbered in file order
 * (their `line`); unordered, two threads took ~7 s.
 */
export interface NativeLoadOptions {
  readonly tx: WarehouseTransaction;
  readonly path: string;
  readonly format: FileFormat;
  readonly shape: RecordShape;
  readonly plan: RowPlan;
  readonly staged: StagedImport;
  /** Unsure rows per batch handed to loadBatch. */
  readonly batchRows: number;
  /** Stores rows RowProcessor made (and their issues), as the csv-parse path does. */
  readonly loadBatch: (batch: ParsedBatch) => Promise<void>;
  /** Called now and then while DuckDB reads, with the share of the file read (0 to 1). */
  readonly onProgress?: (fraction: number) => void;
}

/** DuckDB failed or disagreed with the shape scan on this file: read it again with csv-parse. */
export class NativeLoadError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`DuckDB's CSV reader could not load ${path} as scanned: ${reason}`, options);
    this.name = 'NativeLoadError';
  }
}

/** Why a file must be read by csv-parse rather than natively, or null when it can be read natively. */
export function nativeLoadRefusal(format: FileFormat, shape: RecordShape | undefined): string | null {
  if (format.encoding !== 'utf-8') return `it is ${format.encoding}, not UTF-8`;
  if (format.lineBreak !== '\n') return 'its lines end in a lone carriage return';
  if (format.dataLine !== 2) return 'its header row spans several lines';
  if (!shape) return 'its records were not scanned';
  if (shape.irregular !== null) return shape.irregular;
  return null;
}

const lineOffsetsTable = 'crm_import_line_offsets';
/** DuckDB's CSV buffers: room for a record of nativeMaxRecordBytes, small enough for the import's 64 MB (importCrm.ts). */
const readerBuffer = { buffer_size: 4 * 1024 * 1024, max_line_size: 2 * 1024 * 1024 };
const progressEveryMs = 250;

/**
 * Loads the file in one statement. A row the twins were unsure of is stored
 * with its line negated; RowProcessor then reads those rows back, and they
 * are replaced by what it makes of them.
 */
export async function loadNatively(options: NativeLoadOptions): Promise<number> {
  const { tx, staged, shape } = options;
  const table = rawCrmTables[staged.objectType];
  const typed = typedRowsSql(options);
  const names = [...provenanceColumns, ...table.columns.map((column) => column.name), 'data'].map(quoteIdentifier).join(', ');
  try {
    await writeLineOffsets(tx, shape);
    const stored = await withProgress(tx, options.onProgress, () =>
      tx.run(
        `insert into raw_crm.${table.table} (${names})
         select ${quoteLiteral(staged.importId)}, ${quoteLiteral(staged.file)}, case when unsure then -line else line end,
                ${quoteLiteral(staged.system)}, ${quoteLiteral(staged.objectType)}, ${quoteLiteral(staged.crmObject)},
                ${table.columns.map((column) => quoteIdentifier(column.name)).join(', ')}, data
         from (${typed.sql})`,
      ),
    );
    if (stored !== shape.records) throw new NativeLoadError(options.path, `it read ${stored} records where the scan counted ${shape.records}`);
    const reprocessed = await reprocessUnsureRows(options, typed.dataKeys);
    return stored - reprocessed.removed + reprocessed.loaded;
  } catch (error) {
    if (error instanceof NativeLoadError) throw error;
    // A DuckDB error aborts the transaction; the caller starts over with csv-parse for this file.
    throw new NativeLoadError(options.path, error instanceof Error ? error.message : String(error), { cause: error });
  } finally {
    await tx.run(`drop table if exists ${lineOffsetsTable}`).catch(() => undefined);
  }
}

/**
 * The file's rows typed, in layers so that each cell is trimmed once and each
 * twin runs once: cells, trimmed cells, a value per (field, column), then
 * each field's value (the first column with one), `unsure` and `data`.
 */
function typedRowsSql(options: NativeLoadOptions): { sql: string; dataKeys: string[] } {
  const { plan, staged } = options;
  const columns = rawCrmTables[staged.objectType].columns;
  const cell = (index: number): string => `c${index}`;
  const trimmed = (index: number): string => `t${index}`;
  const fieldOf = (name: string): CrmField => (name === 'amount_minor' ? 'amount' : name) as CrmField;
  // Without a record id column a row is keyed by its email (RowProcessor does the same).
  const sourceField = (name: string): CrmField => (name === 'record_id' && !plan.columns.record_id ? 'email' : fieldOf(name));
  const sources = columns.map((column) => ({ name: column.name, field: sourceField(column.name), cells: plan.columns[sourceField(column.name)] ?? [] }));
  const used = [...new Set([0, ...sources.flatMap((source) => source.cells)])].sort((a, b) => a - b);
  const all = plan.headers.map((_, i) => cell(i));

  const toTrim = new Set(options.shape.columnsToTrim);
  const trimmedLayer = `select line, ${all.join(', ')}, ${used.map((i) => `${toTrim.has(i) ? trimmedSql(cell(i)) : cell(i)} as ${trimmed(i)}`).join(', ')} from (${linesSql(options, all)})`;
  const valueName = (source: number, index: number): string => `v${source}_${index}`;
  const valueLayer = `select *, ${sources
    .flatMap((source, s) => source.cells.map((index) => `${cellValueSql(source.field, trimmed(index))} as ${valueName(s, index)}`))
    .join(', ') || 'null as no_values'} from (${trimmedLayer})`;
  const unsure: string[] = [];
  const fieldValues = sources.map((source, s) => {
    for (const index of source.cells) {
      const condition = isUnsureSql(source.field, trimmed(index), valueName(s, index));
      if (condition) unsure.push(condition);
    }
    const values = source.cells.map((index) => valueName(s, index));
    return values.length === 0 ? 'null' : values.length === 1 ? values[0]! : `coalesce(${values.join(', ')})`;
  });
  // RowProcessor reports a row without a key (the first parsed column), and skips a repeated header row.
  unsure.push(`${fieldValues[0]!} is null`, `${trimmed(0)} = ${quoteLiteral(plan.headers[0]!.trim())}`);
  const dataKeys = plan.headers.map((header, i) => dataKey(plan.headers, header, i));
  const data = `json_object(${dataKeys.map((key, i) => `${quoteLiteral(key)}, ${cell(i)}`).join(', ')})`;
  return {
    sql: `select line, ${fieldValues.map((value, s) => `${value} as ${quoteIdentifier(sources[s]!.name)}`).join(', ')}, coalesce(${unsure.join(' or ')}, true) as unsure, ${data} as data from (${valueLayer})`,
    dataKeys,
  };
}

/**
 * The file's records as (line, c0, c1, ...), cells never NULL. DuckDB keeps
 * the file's order when numbering rows; a record's line is its number plus
 * the line breaks inside the quotes of the records before it.
 */
function linesSql(options: NativeLoadOptions, cells: readonly string[]): string {
  const { format, shape } = options;
  const columns = `{${cells.map((cell) => `${quoteLiteral(cell)}: 'VARCHAR'`).join(', ')}}`;
  const reader = `read_csv(${quoteLiteral(options.path)}, delim = ${quoteLiteral(format.delimiter)}, quote = '"', escape = '"', header = true, columns = ${columns},
    auto_detect = false, strict_mode = true, buffer_size = ${readerBuffer.buffer_size}, max_line_size = ${readerBuffer.max_line_size})`;
  const records = `select row_number() over () as record, ${cells.map((cell) => `coalesce(${cell}, '') as ${cell}`).join(', ')} from ${reader}`;
  const firstLine = options.format.dataLine - 1;
  if (shape.multilineRecords.length === 0) return `select ${firstLine} + record as line, ${cells.join(', ')} from (${records})`;
  return `select ${firstLine} + r.record + coalesce(o.breaks_through, 0) as line, ${cells.map((cell) => `r.${cell}`).join(', ')}
    from (${records}) r asof left join ${lineOffsetsTable} o on r.record > o.record`;
}

/** For each record with line breaks inside quotes: the line breaks of all records up to it. */
async function writeLineOffsets(tx: WarehouseTransaction, shape: RecordShape): Promise<void> {
  if (shape.multilineRecords.length === 0) return;
  await tx.run(`create or replace temp table ${lineOffsetsTable} (record bigint, breaks_through bigint)`);
  let total = 0;
  const rows = shape.multilineRecords.map(([record, breaks]) => [record, (total += breaks)] as const);
  await tx.append({ table: lineOffsetsTable }, [{ name: 'record', type: 'bigint' }, { name: 'breaks_through', type: 'bigint' }], rows);
}

/**
 * The rows stored with a negated line go through RowProcessor, a batch at a
 * time, their cells read back from `data`; then the provisional rows leave
 * the table.
 */
async function reprocessUnsureRows(options: NativeLoadOptions, dataKeys: readonly string[]): Promise<{ removed: number; loaded: number }> {
  const { tx, staged } = options;
  const table = `raw_crm.${rawCrmTables[staged.objectType].table}`;
  const processor = new RowProcessor(options.plan);
  let loaded = 0;
  let removed = 0;
  let afterLine = 0;
  for (;;) {
    const rows = await tx.all<{ line: number; data: string }>(
      `select -line as line, data::varchar as data from ${table}
       where import_id = ? and line < 0 and -line > ? order by -line limit ${options.batchRows}`,
      [staged.importId, afterLine],
    );
    if (rows.length === 0) break;
    const batch = new StagedBatch();
    const issues: ImportIssue[] = [];
    for (const row of rows) {
      // By key, not by position: a header that is a number comes first in a parsed object.
      const verbatim = JSON.parse(row.data) as Record<string, string>;
      processor.process(dataKeys.map((key) => verbatim[key]!), row.line, issues, batch);
    }
    await options.loadBatch({ payload: batch.payload(), rows: batch.rows, issues, bytesRead: 0 });
    loaded += batch.rows;
    removed += rows.length;
    afterLine = rows[rows.length - 1]!.line;
  }
  if (removed > 0) await tx.run(`delete from ${table} where import_id = ? and line < 0`, [staged.importId]);
  return { removed, loaded };
}

/** Reports DuckDB's progress on the connection's running statement while `work` runs. */
async function withProgress<T>(tx: WarehouseTransaction, onProgress: ((fraction: number) => void) | undefined, work: () => Promise<T>): Promise<T> {
  if (!onProgress) return work();
  // DuckDB tracks a statement's progress only for its progress bar, which must not print.
  await tx.run('set enable_progress_bar = true');
  await tx.run('set enable_progress_bar_print = false');
  const timer = setInterval(() => {
    const { percentage } = tx.connection.progress;
    if (percentage >= 0) onProgress(Math.min(1, percentage / 100));
  }, progressEveryMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
