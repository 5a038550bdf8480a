import { createReadStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { parse, type CsvError, type Options } from 'csv-parse';
import { RowProcessor, StagedBatch, type RowPlan } from './rows.js';
import type { ImportIssue } from './types.js';

/** One contiguous run of records to parse: the whole file, or a piece of it cut at a record boundary. */
export interface ParseRange {
  readonly path: string;
  readonly encoding: string;
  /** First byte to read; a decoded (non UTF-8) file is always read whole from 0. */
  readonly start: number;
  /** Byte to stop before; undefined for the end of the file. */
  readonly end?: number;
  /** The line the range's first record starts on. */
  readonly firstLine: number;
  /** The range begins with the header row, which is not a record. */
  readonly skipHeader: boolean;
  readonly delimiter: string;
  readonly lineBreak: '\n' | '\r';
  readonly maxRecordBytes: number;
}

export interface ParsedBatch {
  /** Staged rows joined by `\n`. */
  readonly payload: string;
  readonly rows: number;
  readonly issues: ImportIssue[];
  /** Bytes of the range read so far. */
  readonly bytesRead: number;
}

/** A file-level failure at a line: the file cannot be read as a table. */
export class CsvFileError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'CsvFileError';
  }
}

/**
 * Parses a range with csv-parse, streaming, and hands rows over in batches.
 * Records come as arrays (not `columns` objects, which drop the cells of a
 * row longer than the header) with `relax_column_count`, so a ragged row is
 * kept and reported rather than fatal. Line numbers are counted here from the
 * line breaks inside cells: `info: true` copies the parser's state for every
 * record, a fifth of the parse time, and csv-parse counts a CRLF inside quotes
 * as two lines.
 *
 * The parser runs ahead of this loop, so a parse error must not end the stream
 * before the records preceding it are counted: it is set aside
 * (`skip_records_with_error` + `on_skip`) with the number of records before it,
 * and thrown when the loop reaches that record, whose first line is then known.
 */
export async function parseRange(range: ParseRange, plan: RowPlan, batchRows: number, onBatch: (batch: ParsedBatch) => Promise<void> | void): Promise<number> {
  const input = createReadStream(range.path, { start: range.start, end: range.end === undefined ? undefined : range.end - 1, highWaterMark: 1 << 20 });
  const source: Readable = range.encoding === 'utf-8' ? input : input.pipe(decoder(range.encoding));
  let parseError: { error: CsvError; recordsBefore: number } | null = null;
  const parser = parse({
    delimiter: range.delimiter,
    record_delimiter: range.lineBreak === '\r' ? ['\r'] : ['\r\n', '\n'],
    bom: true,
    relax_column_count: true,
    skip_empty_lines: false,
    max_record_size: range.maxRecordBytes,
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => {
      if (parseError || !error) return;
      parseError = { error, recordsBefore: Number((error as CsvError & { records?: number }).records ?? 0) };
      // Nothing after the first error matters: stop reading, let the parser flush what it has.
      source.unpipe(parser);
      input.destroy();
      parser.end();
    },
    // Records are small and many: a deeper buffer wakes the consumer once per thousand records, not per sixteen.
    readableHighWaterMark: 1024,
  } as Options);
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);

  const processor = new RowProcessor(plan);
  let line = range.firstLine;
  let consumed = 0;
  let skipHeader = range.skipHeader;
  let batch = new StagedBatch();
  let issues: ImportIssue[] = [];
  let total = 0;
  const failIfErrorHere = (): void => {
    if (parseError && consumed >= parseError.recordsBefore) throw describeCsvError(parseError.error, line, range.maxRecordBytes);
  };
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      failIfErrorHere();
      consumed++;
      const startLine = line;
      line += 1 + lineBreaksIn(record, range.lineBreak);
      if (skipHeader) {
        skipHeader = false;
        continue;
      }
      processor.process(record, startLine, issues, batch);
      if (batch.rows >= batchRows || issues.length >= batchRows) {
        total += batch.rows;
        await onBatch({ payload: batch.payload(), rows: batch.rows, issues, bytesRead: input.bytesRead });
        batch = new StagedBatch();
        issues = [];
      }
    }
    failIfErrorHere();
  } catch (error) {
    input.destroy();
    if (error instanceof DecodeError) throw new CsvFileError(line, error.message);
    throw error instanceof CsvFileError ? error : describeCsvError(error, line, range.maxRecordBytes);
  }
  if (batch.rows || issues.length) {
    total += batch.rows;
    await onBatch({ payload: batch.payload(), rows: batch.rows, issues, bytesRead: input.bytesRead });
  }
  return total;
}

function lineBreaksIn(record: readonly string[], lineBreak: string): number {
  let count = 0;
  for (const cell of record) {
    for (let i = cell.indexOf(lineBreak); i !== -1; i = cell.indexOf(lineBreak, i + 1)) count++;
  }
  return count;
}

function describeCsvError(error: unknown, line: number, maxRecordBytes: number): Error {
  const code = (error as CsvError).code as string | undefined;
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new CsvFileError(line, 'a quoted field starts on this line and is never closed before the end of the file');
    case 'CSV_MAX_RECORD_SIZE':
      return new CsvFileError(line, `the record starting on this line is longer than ${describeBytes(maxRecordBytes)}, most likely a quote that is never closed`);
    case 'INVALID_OPENING_QUOTE':
      return new CsvFileError(line, 'a quote appears inside an unquoted field; the field must be quoted whole ("...""...")');
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new CsvFileError(line, 'text follows a closing quote before the next delimiter; the file is not valid CSV');
    default:
      if (code) return new CsvFileError(line, (error as Error).message.replace(/\s*at line \d+.*$/s, ''));
      return error as Error;
  }
}

function describeBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${Math.round(bytes / 1024)} KB`;
}

class DecodeError extends Error {}

/** Decodes UTF-16 (or another label the user names) to text for csv-parse; a malformed byte sequence fails the file. */
function decoder(encoding: string): Transform {
  const textDecoder = new TextDecoder(encoding, { fatal: true });
  return new Transform({
    decodeStrings: false,
    transform(chunk: Buffer, _encoding, callback) {
      try {
        const text = textDecoder.decode(chunk, { stream: true });
        if (text.includes('\u0000')) return callback(new DecodeError('the file holds NUL characters; it is binary or damaged, not a CSV export'));
        callback(null, text);
      } catch {
        callback(new DecodeError(`the file is not valid ${encoding.toUpperCase()} near this line; save it again as UTF-8`));
      }
    },
    flush(callback) {
      try {
        callback(null, textDecoder.decode());
      } catch {
        callback(new DecodeError(`the file ends in the middle of a ${encoding.toUpperCase()} character`));
      }
    },
  });
}
