import type { Warehouse } from '../../warehouse/warehouse.js';
import type { BackfillSpool, SpoolLine } from './backfillSpool.js';
import { recordCustomerRefs } from './customers.js';
import { stageRows, type RawRow } from './rawTables.js';
import { recordWindowPages, type BackfillWindow } from './state.js';

/**
 * Commits staged pages in groups. A DuckDB commit costs milliseconds however
 * small it is, more than a page takes to load, so pages that arrive while one
 * commit runs go together in the next. A page's rows are stored (staged in
 * DuckDB, or for a full read written to its spool) no later than the
 * transaction that records its window's cursor: a cursor never runs ahead of
 * the rows it vouches for.
 */
export interface PageWrite {
  /** Rows staged in raw_stripe_staging: incremental changes, embedded copies, customers retrieved by id. */
  readonly rows: readonly { stream: string; row: RawRow }[];
  /** Customer ids the page's objects name, checked at the end of the run (see customers.ts). */
  readonly customerRefs?: readonly string[];
  /** Rows of a full read, as spool lines (see backfillSpool.ts). */
  readonly spooled?: { readonly stream: string; readonly t0: number; readonly lines: readonly SpoolLine[] };
  /** The window state this page brings, captured when it was read. */
  readonly window?: { readonly target: BackfillWindow; readonly cursor: number | null; readonly done: boolean; readonly pages: number; readonly objects: number };
}

/** A page on its way: on disk first (for a full read's lines), then committed with its window's cursor. */
export interface PendingWrite {
  /** Resolves when the page's spool lines are on disk (at once for a page without any). */
  readonly stored: Promise<void>;
  /** Resolves when the page's staged rows and window state are committed. */
  readonly committed: Promise<void>;
}

interface Pending {
  readonly write: PageWrite;
  readonly stored: Settle;
  readonly committed: Settle;
}

interface Settle {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Two stages, each grouping what arrived while its previous step ran: spool
 * lines are written to disk, then the pages are committed. A window waits
 * only for its page to be stored before reading on, so a long transaction
 * (a completed stream's load) never holds the reading back; the commit queue
 * behind it holds only cursors, embedded copies and customer ids.
 */
export class StagingWriter {
  private toStore: Pending[] = [];
  private toCommit: Pending[] = [];
  private storing: Promise<void> | undefined;
  private committing: Promise<void> | undefined;
  private failure: unknown;
  /** Commits so far and the wall time they took, for the run summary. */
  commits = 0;
  commitMs = 0;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly spool?: BackfillSpool,
    private readonly maxPagesPerCommit = 16,
  ) {}

  /** Queues a page; see PendingWrite. */
  write(write: PageWrite): PendingWrite {
    let stored!: Settle;
    let committed!: Settle;
    const pending: PendingWrite = {
      stored: new Promise<void>((resolve, reject) => (stored = { resolve, reject })),
      committed: new Promise<void>((resolve, reject) => (committed = { resolve, reject })),
    };
    // A caller waits for one of them at a time (a window for `stored`, and for `committed` only at its end): neither may go unhandled.
    pending.stored.catch(() => undefined);
    pending.committed.catch(() => undefined);
    if (this.failure !== undefined) {
      stored.reject(this.failure);
      committed.reject(this.failure);
      return pending;
    }
    this.toStore.push({ write, stored, committed });
    this.kick();
    return pending;
  }

  /** Resolves when every page written so far is committed. */
  async flush(): Promise<void> {
    while (this.storing || this.committing || this.toStore.length > 0 || this.toCommit.length > 0) {
      this.kick();
      await Promise.all([this.storing, this.committing]);
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private kick(): void {
    if (this.failure !== undefined) return;
    if (!this.storing && this.toStore.length > 0) {
      const batch = this.toStore.splice(0);
      this.storing = this.store(batch).finally(() => {
        this.storing = undefined;
        this.kick();
      });
    }
    if (!this.committing && this.toCommit.length > 0) {
      const batch = this.toCommit.splice(0, this.maxPagesPerCommit);
      this.committing = this.commit(batch).finally(() => {
        this.committing = undefined;
        this.kick();
      });
    }
  }

  private async store(batch: Pending[]): Promise<void> {
    try {
      const chunks = new Map<string, { stream: string; t0: number; lines: SpoolLine[] }>();
      for (const { write } of batch) {
        if (!write.spooled) continue;
        const key = `${write.spooled.stream}\u0000${write.spooled.t0}`;
        let chunk = chunks.get(key);
        if (!chunk) chunks.set(key, (chunk = { stream: write.spooled.stream, t0: write.spooled.t0, lines: [] }));
        for (const line of write.spooled.lines) chunk.lines.push(line);
      }
      if (chunks.size > 0 && !this.spool) throw new Error('A full read wrote a page without a backfill spool.');
      for (const chunk of chunks.values()) await this.spool!.writeChunk(chunk.stream, chunk.t0, chunk.lines);
    } catch (error) {
      this.fail(error, batch);
      return;
    }
    for (const pending of batch) {
      pending.stored.resolve();
      // The lines are on disk: only what the transaction needs waits for it.
      this.toCommit.push(pending.write.spooled ? { ...pending, write: { ...pending.write, spooled: undefined } } : pending);
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    const started = performance.now();
    try {
      await this.warehouse.transaction(async (tx) => {
        const byStream = new Map<string, RawRow[]>();
        for (const { write } of batch) {
          for (const { stream, row } of write.rows) {
            let rows = byStream.get(stream);
            if (!rows) byStream.set(stream, (rows = []));
            rows.push(row);
          }
        }
        for (const [stream, rows] of byStream) await stageRows(tx, stream, rows);
        await recordCustomerRefs(tx, batch.flatMap(({ write }) => write.customerRefs ?? []));
        // Only a window's latest state in the batch matters; its key is its current lo (splits move it).
        const windows = new Map<BackfillWindow, NonNullable<PageWrite['window']>>();
        for (const { write } of batch) if (write.window) windows.set(write.window.target, write.window);
        await recordWindowPages(
          tx,
          [...windows.values()].map((state) => ({ ...state.target, cursor: state.cursor, done: state.done, pages: state.pages, objects: state.objects })),
        );
      });
      this.commits++;
      this.commitMs += performance.now() - started;
      for (const { committed } of batch) committed.resolve();
    } catch (error) {
      this.fail(error, batch);
    }
  }

  /** The first failure fails everything waiting and every later write. */
  private fail(error: unknown, batch: readonly Pending[]): void {
    if (this.failure === undefined) this.failure = error;
    for (const pending of [...batch, ...this.toStore.splice(0), ...this.toCommit.splice(0)]) {
      pending.stored.reject(error);
      pending.committed.reject(error);
    }
  }
}
