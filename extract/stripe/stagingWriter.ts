import type { Warehouse } from '../../warehouse/warehouse.js';
import { stageRows, type RawRow } from './rawTables.js';
import { recordWindowPages, type BackfillWindow } from './state.js';

/**
 * Commits staged pages in groups. A DuckDB commit costs milliseconds however
 * small it is, more than a page takes to load, so pages that arrive while one
 * commit runs go together in the next. Each page's rows and its window's
 * cursor still land in the same transaction: a window's cursor never runs
 * ahead of the rows it vouches for.
 */
export interface PageWrite {
  /** `backfill`: the row belongs to a full read of its stream and goes to that stream's backfill table. */
  readonly rows: readonly { stream: string; row: RawRow; backfill?: boolean }[];
  /** The window state this page brings, captured when it was read. */
  readonly window?: { readonly target: BackfillWindow; readonly cursor: number | null; readonly done: boolean; readonly pages: number; readonly objects: number };
}

interface Pending {
  readonly write: PageWrite;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class StagingWriter {
  private pending: Pending[] = [];
  private committing: Promise<void> | undefined;
  private failure: unknown;
  /** Commits so far and the wall time they took, for the run summary. */
  commits = 0;
  commitMs = 0;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly maxPagesPerCommit = 16,
  ) {}

  /** Resolves once the page is committed. */
  write(write: PageWrite): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const done = new Promise<void>((resolve, reject) => this.pending.push({ write, resolve, reject }));
    this.kick();
    return done;
  }

  /** Resolves when every page written so far is committed. */
  async flush(): Promise<void> {
    while (this.committing || this.pending.length > 0) {
      this.kick();
      await this.committing;
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private kick(): void {
    if (this.committing || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.maxPagesPerCommit);
    this.committing = this.commit(batch).finally(() => {
      this.committing = undefined;
      this.kick();
    });
  }

  private async commit(batch: Pending[]): Promise<void> {
    const started = performance.now();
    try {
      await this.warehouse.transaction(async (tx) => {
        const byTarget = new Map<string, { stream: string; backfill: boolean; rows: RawRow[] }>();
        for (const { write } of batch) {
          for (const { stream, row, backfill } of write.rows) {
            const key = `${stream}\u0000${backfill ? 'b' : 's'}`;
            let target = byTarget.get(key);
            if (!target) byTarget.set(key, (target = { stream, backfill: Boolean(backfill), rows: [] }));
            target.rows.push(row);
          }
        }
        for (const { stream, backfill, rows } of byTarget.values()) await stageRows(tx, stream, rows, { backfill });
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
      for (const { resolve } of batch) resolve();
    } catch (error) {
      this.failure = error;
      for (const { reject } of batch) reject(error);
      for (const { reject } of this.pending.splice(0)) reject(error);
    }
  }
}
