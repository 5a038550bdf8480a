import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { WorkError } from '../../errors/index.js';
import { firstInvalidUtf8, incompleteUtf8Tail, notUtf8Message } from './format.js';
import { RecordShapeScanner, type RecordShape } from './recordShape.js';

export interface FileScan {
  readonly sha256: string;
  readonly bytes: number;
  /** The records' shape, when it was asked for. */
  readonly shape?: RecordShape;
}

/** What the shape scan needs to know of the file (see recordShape.ts). */
export interface ShapeScanOptions {
  readonly delimiter: string;
  readonly columns: number;
  /** Byte offset of the first data record. */
  readonly dataOffset: number;
  readonly dataLine: number;
}

export interface ScanOptions {
  readonly label: string;
  /** Whether to check UTF-8 and NUL bytes here (decoded encodings are checked while parsing). */
  readonly utf8: boolean;
  readonly onBytes?: (bytes: number) => void;
  /** Also scan the records' shape (UTF-8 files only). */
  readonly shape?: ShapeScanOptions;
}

/**
 * One pass over the file before anything is imported: its sha256 (the same
 * file twice is recognized before it is parsed) and the checks that make a
 * file unreadable wherever the bad byte hides (NUL, broken UTF-8), so a
 * damaged file fails before the transaction starts. For a UTF-8 file it can
 * also tell whether DuckDB may read the records itself (recordShape.ts).
 */
export async function scanFile(path: string, options: ScanOptions): Promise<FileScan> {
  const hash = createHash('sha256');
  let position = 0;
  let carry: Buffer | null = null;
  const shape = options.shape && options.utf8 ? new RecordShapeScanner(options.shape.delimiter.charCodeAt(0), options.shape.columns, options.shape.dataLine) : null;
  const dataOffset = options.shape?.dataOffset ?? 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (options.utf8) {
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        throw new WorkError(`${options.label} line ${await lineAt(path, position + nul)}: the file holds a NUL byte (byte ${position + nul + 1}); it is binary or damaged, not a CSV export.`);
      }
      // A multi-byte character may straddle two chunks: its start waits for the next one.
      const bytes: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      const tail = incompleteUtf8Tail(bytes);
      const complete = bytes.subarray(0, bytes.length - tail);
      if (!isUtf8(complete)) {
        const at = firstInvalidUtf8(complete);
        const start = position - (carry?.length ?? 0);
        throw new WorkError(notUtf8Message(options.label, await lineAt(path, start + at), complete[at]!));
      }
      carry = tail ? Buffer.from(bytes.subarray(bytes.length - tail)) : null;
    }
    if (shape && position + chunk.length > dataOffset) shape.push(position >= dataOffset ? chunk : chunk.subarray(dataOffset - position));
    position += chunk.length;
    options.onBytes?.(position);
  }
  if (carry) throw new WorkError(notUtf8Message(options.label, await lineAt(path, position - carry.length), carry[0]!));
  return { sha256: hash.digest('hex'), bytes: position, ...(shape ? { shape: shape.finish() } : {}) };
}

/** The line a byte offset falls on; only called on the way to an error. */
async function lineAt(path: string, offset: number): Promise<number> {
  let line = 1;
  let position = 0;
  for await (const chunk of createReadStream(path, { end: Math.max(0, offset - 1), highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(0x0a); i >= 0 && position + i < offset; i = chunk.indexOf(0x0a, i + 1)) line++;
    position += chunk.length;
  }
  return line;
}
