import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { WorkError } from '../../errors/index.js';
import { firstInvalidUtf8, incompleteUtf8Tail, notUtf8Message } from './format.js';

export interface FileScan {
  readonly sha256: string;
  readonly bytes: number;
}

export interface ScanOptions {
  readonly label: string;
  /** Whether to check UTF-8 and NUL bytes here (decoded encodings are checked while parsing). */
  readonly utf8: boolean;
  readonly onBytes?: (bytes: number) => void;
}

/**
 * One pass over the file before anything is imported: its sha256 (the same
 * file twice is recognized before it is parsed) and the checks that make a
 * file unreadable wherever the bad byte hides (NUL, broken UTF-8), so a
 * damaged file fails before the transaction starts.
 */
export async function scanFile(path: string, options: ScanOptions): Promise<FileScan> {
  const hash = createHash('sha256');
  let position = 0;
  let carry: Buffer | null = null;
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
    position += chunk.length;
    options.onBytes?.(position);
  }
  if (carry) throw new WorkError(notUtf8Message(options.label, await lineAt(path, position - carry.length), carry[0]!));
  return { sha256: hash.digest('hex'), bytes: position };
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
