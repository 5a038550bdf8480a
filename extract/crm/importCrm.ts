import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { WorkError } from '../../errors/index.js';
import { createTableSql, type BulkColumn } from '../../warehouse/bulkLoad.js';
import type { Warehouse, WarehouseTransaction } from '../../warehouse/warehouse.js';
import type { MapOverrides } from './columnMap.js';
import { detectExport, type Detection } from './detect.js';
import { sniffFormat, type FileFormat } from './format.js';
import { CsvFileError, type ParsedBatch, type ParseRange } from './parse.js';
import { loadNatively, NativeLoadError, nativeLoadRefusal } from './nativeLoad.js';
import { readRows } from './readRows.js';
import type { RowPlan } from './rows.js';
import { scanFile, type FileScan } from './scan.js';
import { rawCrmTables } from './rawTables.js';
import { insertFromStagingSql, stagingColumns, stagingTable, supersedeDuplicates, type StagedImport } from './tables.js';
import type { CrmObjectType, CrmSystem, ImportIssue } from './types.js';

export interface ImportCrmOptions {
  readonly warehouse: Warehouse;
  readonly files: readonly string[];
  readonly system?: CrmSystem;
  /** contact, company, deal, or a CRM's own name (lead, person, organization); narrows detection, picks the generic table. */
  readonly object?: string;
  readonly map?: MapOverrides;
  /** Overrides encoding detection (a TextDecoder label such as windows-1252). */
  readonly encoding?: string;
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Files at least this big parse on a worker thread; Infinity keeps every parse on this thread. */
  readonly parseThreadFromBytes?: number;
  /** A record longer than this fails the file (an unclosed quote would otherwise swallow it whole). */
  readonly maxRecordBytes?: number;
  /** DuckDB's memory_limit while importing (see withMemoryBudget). */
  readonly duckdbMemory?: string;
  /**
   * `auto`: regular UTF-8 files are read by DuckDB itself (nativeLoad.ts), the rest by csv-parse;
   * `csv-parse`: every file by csv-parse (tests compare the two).
   */
  readonly reader?: 'auto' | 'csv-parse';
}

export interface ImportProgress {
  readonly file: string;
  /** checking: hashing and validating bytes; loading: parsing rows into the warehouse; merging: replacing older versions. */
  readonly phase: 'checking' | 'loading' | 'merging';
  readonly bytes: number;
  readonly totalBytes: number;
  readonly rows: number;
}

export interface FileImportResult {
  /** The path as given. */
  readonly file: string;
  /** `already-imported`: a file with the same sha256 was imported before; nothing changed. */
  readonly status: 'imported' | 'already-imported';
  /** This import's id, or the earlier import's for an already-imported file. */
  readonly importId: string;
  readonly importedAt: Date;
  /** What the file was read as: "HubSpot contacts export, by 'Record ID', 'Email', 'Lifecycle Stage'". */
  readonly detected: string;
  readonly system: CrmSystem;
  readonly objectType: CrmObjectType;
  readonly table: string;
  /** Records read from the file. */
  readonly rows: number;
  readonly newRecords: number;
  readonly updatedRecords: number;
  readonly unchangedRecords: number;
  /** Rows whose record id a later line of the same file repeats (each also an issue). */
  readonly duplicates: number;
  readonly issues: number;
  readonly firstIssues: readonly ImportIssue[];
  readonly bytes: number;
  /** From the first read of the file (its scan) to the end of its load. */
  readonly seconds: number;
  /** `duckdb`: read by DuckDB's CSV reader (nativeLoad.ts); `csv-parse`: row by row, for the reason given. */
  readonly reader: 'duckdb' | 'csv-parse';
  /** Why csv-parse read the file, or null. */
  readonly readerReason: string | null;
}

interface PreparedFile {
  readonly label: string;
  readonly path: string;
  readonly format: FileFormat;
  readonly detection: Detection;
  scan?: FileScan;
  /** Read by DuckDB's CSV reader rather than csv-parse (see nativeLoad.ts). */
  native?: boolean;
  /** Why not, when csv-parse reads it. */
  csvParseReason?: string | null;
  scanSeconds?: number;
}

const defaultParseThreadFromBytes = 16 * 1024 * 1024;
const defaultMaxRecordBytes = 16 * 1024 * 1024;
const defaultDuckdbMemory = '64MB';
const batchRows = 2000;
const firstIssuesShown = 5;

const issueColumns: readonly BulkColumn[] = [
  { name: 'import_id', type: 'varchar' },
  { name: 'file', type: 'varchar' },
  { name: 'line', type: 'bigint' },
  { name: 'column_name', type: 'varchar' },
  { name: 'value', type: 'varchar' },
  { name: 'reason', type: 'varchar' },
];

/**
 * Imports CRM CSV exports into `raw_crm`, all files in one transaction: when
 * any file cannot be read, the warehouse is left as it was and the error names
 * the file and line. Every file is read and checked before the transaction
 * begins, so a bad header in the last file costs nothing.
 */
export async function importCrmFiles(options: ImportCrmOptions): Promise<FileImportResult[]> {
  const prepared: PreparedFile[] = [];
  for (const file of options.files) {
    const path = resolve(file);
    const format = await sniffFormat(path, file, options.encoding);
    const detection = detectExport(format.headers, { file, system: options.system, object: options.object, overrides: options.map });
    prepared.push({ label: file, path, format, detection });
  }
  for (const file of prepared) {
    const { format } = file;
    const scanStarted = performance.now();
    file.scan = await scanFile(file.path, {
      label: file.label,
      utf8: format.encoding === 'utf-8',
      onBytes: (bytes) => options.onProgress?.({ file: file.label, phase: 'checking', bytes, totalBytes: format.size, rows: 0 }),
      shape: options.reader === 'csv-parse' ? undefined : { delimiter: format.delimiter, columns: format.headers.length, dataOffset: format.dataOffset, dataLine: format.dataLine },
    });
    file.scanSeconds = (performance.now() - scanStarted) / 1000;
    file.csvParseReason = options.reader === 'csv-parse' ? 'asked for' : nativeLoadRefusal(format, file.scan.shape);
    file.native = file.csvParseReason === null;
  }
  return withMemoryBudget(options.warehouse, options.duckdbMemory ?? defaultDuckdbMemory, async () => {
    for (;;) {
      try {
        return await options.warehouse.transaction(async (tx) => {
          const results: FileImportResult[] = [];
          const importedNow = new Map<string, FileImportResult>();
          for (const file of prepared) {
            // The same file named twice in one command is imported once.
            const earlier = importedNow.get(file.scan!.sha256);
            const result = earlier ? alreadyImported(earlier, file.label) : await importFile(tx, file, options);
            importedNow.set(file.scan!.sha256, result);
            results.push(result);
          }
          return results;
        });
      } catch (error) {
        // DuckDB could not read a file the scan passed: the transaction is gone, so start over with csv-parse for it.
        const failed = error instanceof NativeLoadError ? error : null;
        const file = failed ? prepared.find((candidate) => candidate.path === failed.path && candidate.native) : undefined;
        if (!file) throw error;
        file.native = false;
        file.csvParseReason = `DuckDB's CSV reader failed on it: ${failed!.reason}`;
      }
    }
  });
}

function alreadyImported(earlier: FileImportResult, label: string): FileImportResult {
  return { ...earlier, file: label, status: 'already-imported', newRecords: 0, updatedRecords: 0, unchangedRecords: earlier.rows, duplicates: 0, issues: 0, firstIssues: [] };
}

/**
 * DuckDB keeps an uncommitted import in its buffers and its allocator holds on
 * to freed memory: left alone, a million-row import grows past a gigabyte. For
 * the import's length the buffers are capped (the rest spills to disk), freed
 * memory goes back to the system, and DuckDB works on one thread (the parse
 * worker has the other core; two DuckDB threads on the batches of a file cost
 * more CPU than one, and DuckDB's own CSV load numbers its rows in order, on
 * one thread anyway). Strings are compressed with FSST alone: trying
 * dictionary encodings on every segment of a million verbatim rows costs a
 * sixth of a native load's CPU and ~60 MB for 10 % less disk. The previous
 * settings return after.
 */
async function withMemoryBudget<T>(warehouse: Warehouse, memoryLimit: string, work: () => Promise<T>): Promise<T> {
  const budget: Record<string, string> = {
    memory_limit: `'${memoryLimit}'`,
    allocator_flush_threshold: "'8MB'",
    allocator_background_threads: 'true',
    threads: '1',
    disabled_compression_methods: "'dictionary,dict_fsst'",
  };
  const previous: Record<string, string> = {};
  for (const name of Object.keys(budget)) {
    const row = await warehouse.one<{ value: string }>(`select current_setting('${name}')::varchar as value`);
    previous[name] = /^(threads|allocator_background_threads)$/.test(name) ? row!.value : `'${row!.value}'`;
  }
  for (const [name, value] of Object.entries(budget)) await warehouse.run(`set ${name} = ${value}`);
  try {
    return await work();
  } finally {
    for (const [name, value] of Object.entries(previous)) await warehouse.run(`set ${name} = ${value}`);
  }
}

async function importFile(tx: WarehouseTransaction, file: PreparedFile, options: ImportCrmOptions): Promise<FileImportResult> {
  // The scan before the transaction is part of the file's import time.
  const started = performance.now() - (file.scanSeconds ?? 0) * 1000;
  const scan = file.scan!;
  const { map } = file.detection;
  const table = rawCrmTables[map.objectType];
  const previous = await tx.db.selectFrom('raw_crm.imports').selectAll().where('sha256', '=', scan.sha256).executeTakeFirst();
  if (previous) {
    const earlier: FileImportResult = {
      file: file.label,
      status: 'imported',
      importId: previous.import_id,
      importedAt: previous.imported_at,
      detected: file.detection.description,
      system: map.system,
      objectType: map.objectType,
      table: `raw_crm.${table.table}`,
      rows: previous.rows,
      newRecords: 0,
      updatedRecords: 0,
      unchangedRecords: 0,
      duplicates: 0,
      issues: 0,
      firstIssues: [],
      bytes: scan.bytes,
      seconds: (performance.now() - started) / 1000,
      ...readerOf(file),
    };
    return alreadyImported(earlier, file.label);
  }

  const importId = newImportId();
  const staged: StagedImport = {
    importId,
    file: file.path,
    system: map.system,
    objectType: map.objectType,
    crmObject: map.crmObject,
  };
  // A temporary table holds one batch at a time, replaced for each: rows deleted inside a
  // transaction keep their memory until it commits, a replaced table gives it back.
  const replaceStaging = createTableSql(stagingTable, stagingColumns, { temporary: true }).replace(/^create /, 'create or replace ');
  const moveBatch = insertFromStagingSql(staged);

  const plan: RowPlan = {
    map,
    columns: file.detection.columns,
    headers: file.format.headers,
    context: { decimalSeparator: file.format.delimiter === ';' ? ',' : '.' },
  };
  const range: ParseRange = {
    path: file.path,
    encoding: file.format.encoding,
    start: file.format.encoding === 'utf-8' ? file.format.dataOffset : 0,
    firstLine: file.format.encoding === 'utf-8' ? file.format.dataLine : 1,
    skipHeader: file.format.encoding !== 'utf-8',
    delimiter: file.format.delimiter,
    lineBreak: file.format.lineBreak,
    maxRecordBytes: options.maxRecordBytes ?? defaultMaxRecordBytes,
  };
  const loadBatch = async (batch: ParsedBatch): Promise<void> => {
    if (batch.rows > 0) {
      await tx.run(replaceStaging);
      await tx.append({ table: stagingTable }, stagingColumns, [[batch.payload]]);
      await tx.run(moveBatch);
    }
    if (batch.issues.length) {
      await tx.append(
        { schema: 'raw_crm', table: 'import_issues' },
        issueColumns,
        batch.issues.map((issue) => [importId, file.path, issue.line, issue.column, issue.value, issue.reason]),
      );
    }
  };
  let rows = 0;
  if (file.native) {
    options.onProgress?.({ file: file.label, phase: 'loading', bytes: 0, totalBytes: file.format.size, rows: 0 });
    rows = await loadNatively({
      tx,
      path: file.path,
      format: file.format,
      shape: scan.shape!,
      plan,
      staged,
      batchRows,
      loadBatch,
      onProgress: (fraction) =>
        options.onProgress?.({ file: file.label, phase: 'loading', bytes: Math.round(fraction * file.format.size), totalBytes: file.format.size, rows: Math.round(fraction * scan.shape!.records) }),
    });
  } else {
    try {
      await readRows({
        range,
        plan,
        thread: availableParallelism() > 1 && file.format.size >= (options.parseThreadFromBytes ?? defaultParseThreadFromBytes),
        batchRows,
        onBatch: async (batch) => {
          await loadBatch(batch);
          rows += batch.rows;
          options.onProgress?.({ file: file.label, phase: 'loading', bytes: batch.bytesRead, totalBytes: file.format.size, rows });
        },
      });
    } catch (error) {
      if (error instanceof CsvFileError) throw new WorkError(`${file.label} ${error.message}.`, { cause: error });
      throw error;
    }
  }

  options.onProgress?.({ file: file.label, phase: 'merging', bytes: file.format.size, totalBytes: file.format.size, rows });
  const keyColumn = file.detection.columns.record_id?.[0] ?? file.detection.columns.email?.[0] ?? 0;
  await tx.run(`drop table if exists ${stagingTable}`);
  const duplicates = await supersedeDuplicates(tx, staged, file.format.headers[keyColumn]!.trim());
  const counts = await compareWithEarlierImports(tx, `raw_crm.${table.table}`, importId, map.system);

  const issues = (await tx.one<{ n: number }>('select count(*) as n from raw_crm.import_issues where import_id = ?', [importId]))!.n;
  const firstIssues = await tx.all<ImportIssue>(
    `select line, column_name as "column", value, reason from raw_crm.import_issues where import_id = ? order by line, column_name nulls first limit ${firstIssuesShown}`,
    [importId],
  );
  const importedAt = new Date();
  const seconds = (performance.now() - started) / 1000;
  await tx.db
    .insertInto('raw_crm.imports')
    .values({
      import_id: importId,
      file: file.path,
      sha256: scan.sha256,
      bytes: scan.bytes,
      system: map.system,
      object_type: map.objectType,
      crm_object: map.crmObject,
      detected_by: file.detection.description,
      encoding: file.format.encoding,
      delimiter: file.format.delimiter,
      columns: JSON.stringify(file.format.headers),
      rows,
      new_records: counts.new_records,
      updated_records: counts.updated_records,
      unchanged_records: counts.unchanged_records,
      issues,
      imported_at: importedAt,
      seconds,
    })
    .execute();
  return {
    file: file.label,
    status: 'imported',
    importId,
    importedAt,
    detected: file.detection.description,
    system: map.system,
    objectType: map.objectType,
    table: `raw_crm.${table.table}`,
    rows,
    newRecords: counts.new_records,
    updatedRecords: counts.updated_records,
    unchangedRecords: counts.unchanged_records,
    duplicates,
    issues,
    firstIssues,
    bytes: scan.bytes,
    seconds,
    ...readerOf(file),
  };
}

function readerOf(file: PreparedFile): Pick<FileImportResult, 'reader' | 'readerReason'> {
  return file.native ? { reader: 'duckdb', readerReason: null } : { reader: 'csv-parse', readerReason: file.csvParseReason ?? null };
}

/**
 * How this import's records compare with the same system's earlier imports
 * (new, updated, unchanged), then the earlier versions of the records it
 * holds leave the table: the newest import of a record wins, records this
 * file does not mention stay as they were.
 */
async function compareWithEarlierImports(
  tx: WarehouseTransaction,
  table: string,
  importId: string,
  system: string,
): Promise<{ new_records: number; updated_records: number; unchanged_records: number }> {
  const earlier = await tx.one<{ any: boolean }>(`select exists (select 1 from ${table} where import_id <> ? and system = ? and record_id is not null) as any`, [importId, system]);
  if (!earlier!.any) {
    // A system's first import: everything is new, and there is nothing to join or delete.
    const { n } = (await tx.one<{ n: number }>(`select count(*) as n from ${table} where import_id = ?`, [importId]))!;
    return { new_records: n, updated_records: 0, unchanged_records: 0 };
  }
  // Verbatim rows compare by hash: the join then holds ids and hashes, not a million rows twice over.
  const counts = await tx.one<{ new_records: number; updated_records: number; unchanged_records: number }>(
    `with new as (select record_id, hash(data) as h from ${table} where import_id = ?),
          old as (select record_id, hash(data) as h from ${table} where import_id <> ? and system = ? and record_id is not null)
     select
       count(*) filter (where old.record_id is null) as new_records,
       count(*) filter (where old.h <> new.h) as updated_records,
       count(*) filter (where old.h = new.h) as unchanged_records
     from new left join old on old.record_id = new.record_id`,
    [importId, importId, system],
  );
  await tx.run(
    `delete from ${table}
     where import_id <> ? and system = ? and record_id in (select record_id from ${table} where import_id = ? and record_id is not null)`,
    [importId, system, importId],
  );
  return counts!;
}

/** Sortable by time, unique without coordination: imp_20260115T101010Z_3fa9c2. */
function newImportId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `imp_${stamp}_${randomBytes(3).toString('hex')}`;
}
