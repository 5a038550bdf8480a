import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { WorkError } from '../../errors/index.js';
import { firstInvalidUtf8, incompleteUtf8Tail, notUtf8Message } from './format.js';

/** A place the file can be cut for parallel parsing: a record starts at this byte, on this line. */
export interface SplitPoint {
  readonly offset: number;
  readonly line: number;
}

export interface FileScan {
  readonly sha256: string;
  readonly bytes: number;
  /** Record starts after dataOffset, roughly evenly spaced; empty when the file is parsed in one piece. */
  readonly splits: readonly SplitPoint[];
}

export interface ScanOptions {
  readonly label: string;
  /** Whether to check UTF-8 and NUL bytes here (decoded encodings are checked while parsing). */
  readonly utf8: boolean;
  /** How many pieces to find cut points for (1: none). */
  readonly pieces: number;
  readonly dataOffset: number;
  readonly size: number;
  readonly onBytes?: (bytes: number) => void;
}

/**
 * One pass over the file before anything is imported: its sha256 (the same
 * file twice is recognized before it is parsed), the checks that make a file
 * unreadable wherever the bad byte hides (NUL, broken UTF-8), and, for big
 * files, record boundaries to parse from in parallel. A newline starts a
 * record when the quotes before it are balanced, which holds in any file
 * csv-parse accepts: a stray quote makes the piece holding it fail to parse,
 * so a wrong cut can only follow a failure.
 */
export async function scanFile(path: string, options: ScanOptions): Promise<FileScan> {
  const hash = createHash('sha256');
  let position = 0;
  let carry: Buffer | null = null;
  const findSplits = options.pieces > 1;
  let quoted = false;
  let line = 1;
  const splits: SplitPoint[] = [];
  const target = (piece: number): number =>
    piece < options.pieces ? options.dataOffset + Math.floor(((options.size - options.dataOffset) * piece) / options.pieces) : Number.POSITIVE_INFINITY;
  let nextTarget = target(1);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (options.utf8) {
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        throw new WorkError(`${options.label} line ${await lineAt(path, position + nul)}: the file holds a NUL byte (byte ${position + nul + 1}); it is binary or damaged, not a CSV export.`);
      }
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
    if (findSplits) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte === 0x22) quoted = !quoted;
        else if (byte === 0x0a) {
          line++;
          const offset = position + i + 1;
          if (!quoted && offset >= nextTarget && offset < options.size) {
            splits.push({ offset, line });
            nextTarget = target(splits.length + 1);
          }
        }
      }
    }
    position += chunk.length;
    options.onBytes?.(position);
  }
  if (carry) throw new WorkError(notUtf8Message(options.label, await lineAt(path, position - carry.length), carry[0]!));
  return { sha256: hash.digest('hex'), bytes: position, splits: splits.filter((split) => split.offset > options.dataOffset) };
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
