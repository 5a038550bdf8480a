import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqlSession } from '../../warehouse/warehouse.js';
import { quoteLiteral } from '../../warehouse/bulkLoad.js';
import { backfillTable, ensureBackfillTable, nextSeq, type RawRow } from './rawTables.js';

/**
 * The pages of a full read wait in files beside the warehouse
 * (`<warehouse>.backfill/<stream>-<t0>/`), one newline-delimited JSON chunk
 * per group of pages, and reach DuckDB a few chunks at a time
 * while the stream is read and the rest when its last window is. Appending every page to a DuckDB table instead cost a WAL
 * write, a checkpoint rewrite and a compression pass per commit: on a
 * 10,000-customer account that was most of the extract's CPU and, through
 * DuckDB's string compression, most of its memory.
 *
 * A chunk is written, fsync'd and renamed into place before the transaction
 * that advances its windows' cursors, so a cursor never vouches for rows that
 * are not on disk. A chunk that lands without its cursor (the process died in
 * between) only repeats rows the resumed window reads again; the load keeps
 * each id's latest version.
 */
const SPOOL_LINE_SHAPE = JSON.stringify({ id: 'VARCHAR', data: 'JSON', synced_at: 'TIMESTAMPTZ', deleted: 'BOOLEAN', seq: 'BIGINT' });
/** A byte JSON text never holds unescaped: the CSV reader's delimiter, so each line is one cell. */
const NEVER_IN_JSON = '\u0001';
/** The CSV reader's smallest line limit; its buffer is twice the limit. */
const MIN_LINE_BYTES = 1024 * 1024;

export interface SpoolChunks {
  readonly files: readonly string[];
  /** Bytes of the longest line in them. */
  readonly longestLineBytes: number;
}

export class BackfillSpool {
  private chunkCounter = 0;

  private constructor(
    readonly dir: string,
    private readonly temporary: boolean,
  ) {}

  /** The spool of a warehouse file; an in-memory warehouse gets a temporary one (it cannot resume anyway). */
  static forWarehouse(warehousePath: string): BackfillSpool {
    if (warehousePath === ':memory:' || warehousePath === '') return new BackfillSpool(mkdtempSync(join(tmpdir(), 'tributary-backfill-')), true);
    return new BackfillSpool(`${warehousePath.replace(/\.duckdb$/, '')}.backfill`, false);
  }

  /** Where the chunks of one full read of a stream live; t0 tells one full read from the next. */
  streamDir(stream: string, t0: number): string {
    return join(this.dir, `${stream}-${t0}`);
  }

  /** Starts a full read of a stream: chunks of any earlier read of it are removed. */
  async reset(stream: string, t0: number): Promise<void> {
    await this.remove(stream);
    await mkdir(this.streamDir(stream, t0), { recursive: true });
  }

  /** True when the chunks of this full read are still here (a resumed run can continue it). */
  has(stream: string, t0: number): boolean {
    try {
      readdirSync(this.streamDir(stream, t0));
      return true;
    } catch {
      return false;
    }
  }

  /** Writes one chunk durably: its rows are on disk when this resolves. */
  async writeChunk(stream: string, t0: number, lines: readonly SpoolLine[]): Promise<void> {
    if (lines.length === 0) return;
    const dir = this.streamDir(stream, t0);
    let longest = 0;
    let total = 0;
    for (const line of lines) {
      const length = lineLength(line);
      longest = Math.max(longest, length);
      total += length;
    }
    // The name carries the longest line so the load can size its reader without opening the file.
    const name = `${Date.now()}-${process.pid}-${++this.chunkCounter}-${longest}`;
    const partial = join(dir, `${name}.partial`);
    const handle = await open(partial, 'w');
    try {
      // The pieces go out as they are: joining them first would copy every page once more.
      const { bytesWritten } = await handle.writev(lines.flat());
      if (bytesWritten !== total) throw new Error(`Only ${bytesWritten} of ${total} bytes of a spool chunk of ${stream} were written (is the disk full?).`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(partial, join(dir, `${name}.ndjson`));
    const directory = await open(dir, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }

  /** The chunks of a full read written so far, with the longest line any of them holds. */
  chunks(stream: string, t0: number): SpoolChunks {
    const dir = this.streamDir(stream, t0);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return { files: [], longestLineBytes: 0 };
    }
    const files: string[] = [];
    let longestLineBytes = 0;
    for (const name of names.sort()) {
      if (!name.endsWith('.ndjson')) continue;
      files.push(join(dir, name));
      longestLineBytes = Math.max(longestLineBytes, Number(name.slice(0, -'.ndjson'.length).split('-').pop()) || 0);
    }
    return { files, longestLineBytes };
  }

  /** Removes chunks whose rows a committed transaction loaded. */
  async removeChunks(chunks: SpoolChunks): Promise<void> {
    for (const file of chunks.files) await rm(file, { force: true });
  }

  /** Removes every chunk of a stream (after its full read reached the raw table, or before a new one). */
  async remove(stream: string): Promise<void> {
    for (const name of this.entries()) if (name.slice(0, name.lastIndexOf('-')) === stream) await rm(join(this.dir, name), { recursive: true, force: true });
  }

  /** Removes the chunks of full reads that are no longer under way (finished, or superseded by a newer one). */
  async removeAllBut(underway: ReadonlyMap<string, number>): Promise<void> {
    for (const name of this.entries()) {
      const cut = name.lastIndexOf('-');
      if (underway.get(name.slice(0, cut)) !== Number(name.slice(cut + 1))) await rm(join(this.dir, name), { recursive: true, force: true });
    }
  }

  /** A temporary spool is removed with its run. */
  dispose(): void {
    if (this.temporary) rmSync(this.dir, { recursive: true, force: true });
  }

  private entries(): string[] {
    try {
      return readdirSync(this.dir);
    } catch {
      return [];
    }
  }
}

/** A row on its way to the spool: like a raw row, and its JSON may still be the bytes Stripe sent (on one line). */
export interface SpoolRow extends Omit<RawRow, 'data'> {
  readonly data: RawRow['data'] | Buffer;
}

/** A chunk line in pieces: the row's fields, the object's JSON (a view of the page Stripe sent), the line's end. */
export type SpoolLine = readonly Buffer[];

const LINE_END = Buffer.from('}\n');

/** One row as a chunk line: the object's JSON goes in unchanged. */
export function spoolLine(row: SpoolRow): SpoolLine {
  const head = Buffer.from(`{"id":${JSON.stringify(row.id)},"seq":${nextSeq()},"synced_at":"${row.syncedAt.toISOString()}","deleted":${row.deleted},"data":`);
  const data = Buffer.isBuffer(row.data) ? row.data : Buffer.from(typeof row.data === 'string' ? row.data : JSON.stringify(row.data));
  return [head, data, LINE_END];
}

export function lineLength(line: SpoolLine): number {
  let length = 0;
  for (const piece of line) length += piece.length;
  return length;
}

/**
 * Appends chunks to the stream's backfill table. Remove them once the
 * transaction has committed (removeChunks): a chunk loaded twice is harmless
 * (dedupeBackfillTable), a chunk lost is not.
 *
 * DuckDB's CSV reader splits the lines (one cell each) and json_transform
 * parses each line once. read_json would do the same work, but it never
 * reads with less than 32 MB of buffer (twice its 16 MB object size, which a
 * smaller maximum_object_size does not lower): that alone was half of the
 * extract's memory cap. The CSV reader's buffer follows the longest line.
 */
export async function loadChunks(session: SqlSession, stream: string, chunks: SpoolChunks): Promise<void> {
  await ensureBackfillTable(session, stream);
  if (chunks.files.length === 0) return;
  const maxLine = Math.max(MIN_LINE_BYTES, 2 ** Math.ceil(Math.log2(chunks.longestLineBytes + 2)));
  const lines = `read_csv([${chunks.files.map(quoteLiteral).join(', ')}], columns = {'line': 'VARCHAR'}, header = false, auto_detect = false,
    delim = ${quoteLiteral(NEVER_IN_JSON)}, quote = '', escape = '', new_line = '\\n', max_line_size = ${maxLine}, buffer_size = ${2 * maxLine})`;
  await session.run(
    `insert into ${backfillTable(stream)} (id, data, synced_at, deleted, seq)
     select row.id, row.data, row.synced_at, row.deleted, row.seq
     from (select json_transform(line, ${quoteLiteral(SPOOL_LINE_SHAPE)}) as row from ${lines})`,
  );
}
