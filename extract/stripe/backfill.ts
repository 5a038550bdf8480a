import type { Warehouse } from '../../warehouse/warehouse.js';
import type { StripeObject, StripeReader } from './client.js';
import { completeSubLists, embeddedRows, objectRow, PAGE_SIZE, routingFields, wantedFields } from './objects.js';
import type { RequestPool } from './pool.js';
import type { ProgressListener, StreamSummary } from './progress.js';
import { withMemoryHeadroom } from './bulkSettings.js';
import { lineLength, loadChunks, spoolLine, type BackfillSpool, type SpoolLine, type SpoolRow } from './backfillSpool.js';
import { customerRefs } from './customers.js';
import { backfillTable, clearStaging, completeBackfillTable, dedupeBackfillTable, mergeStaging, rawRowCount, type MergeCounts, type RawRow } from './rawTables.js';
import type { PendingWrite, StagingWriter } from './stagingWriter.js';
import { completeBackfill, planBackfill, planWindowRanges, readWindows, splitWindow, type BackfillWindow } from './state.js';
import { listExpand, type StreamDefinition } from './streams.js';

/**
 * Backfill: a complete read of streams by `created` windows up to the server
 * time T0 when it began. Windows of every stream run at once through the
 * shared request pool; each page is spooled to disk before the transaction
 * that records its window's cursor, so a killed run resumes where it stopped;
 * a stream's spooled rows reach its raw table in one transaction when its
 * last window ends.
 */
export const DEFAULT_WINDOWS_PER_STREAM = 8;
export const EVENT_RETENTION_SECONDS = 30 * 86_400;
/** Without an account creation date, windows start this far back; the first window reaches down to 0 anyway. */
const FALLBACK_HISTORY_SECONDS = 3 * 365 * 86_400;

export interface StreamBackfill {
  readonly definition: StreamDefinition;
  readonly t0: number;
  readonly mode: 'backfill' | 'resume';
  readonly windows: BackfillWindow[];
  readonly startedAtMs: number;
  /** Read during this run. */
  objects: number;
  pages: number;
  /** Bytes spooled since the last load into the backfill table began, and that load while it runs. */
  unloadedBytes: number;
  loading: Promise<void> | undefined;
}

/**
 * A stream loads what it has spooled into its backfill table each time this
 * much has gathered, while its reading goes on, so that the end of a large
 * stream leaves little to load (the largest streams end last, with nothing
 * left to overlap their loads). A load's rows wait in DuckDB's memory until
 * its commit, about twice their spooled size: 8 MB keeps that within the
 * extract's memory cap (32 MB loads took 60 MB of it).
 */
export const EARLY_LOAD_BYTES = 8 * 1024 * 1024;

export interface BackfillContext {
  readonly warehouse: Warehouse;
  readonly reader: StripeReader;
  readonly pool: RequestPool;
  readonly runId: string;
  readonly emit: ProgressListener;
  /** Windows read at once; more than the pool size so sub-list bursts never leave slots idle (the pool resizes). */
  readonly activeWindowLimit: () => number;
  /** Counts merged into streams filled by embedded copies (payment methods), per stream. */
  readonly derivedCounts: Map<string, MergeCounts>;
  readonly writer: StagingWriter;
  readonly spool: BackfillSpool;
  /** Spooled bytes that start a load while the stream is still read (EARLY_LOAD_BYTES). */
  readonly earlyLoadBytes: number;
  /**
   * Loads and merges take turns: each needs some of DuckDB's capped memory
   * (a merge's join over the raw table, a load's transaction-local rows), and
   * two at once are what overran the cap (bulkSettings.ts); on two cores they
   * gain little from running together.
   */
  readonly warehouseTurns: RequestPool;
  /** Wall time spent merging completed streams (ms), windows split and loads made while reading, accumulated. */
  readonly timings: { mergeMs: number; splits: number; earlyLoads: number };
  /** Told when a stream's full read is in its raw table, while other streams may still be read. */
  readonly onStreamComplete?: (stream: string) => void;
}

/** Plans a fresh backfill of a stream (new windows, staging emptied) in one transaction. */
export async function startBackfill(
  warehouse: Warehouse,
  definition: StreamDefinition,
  options: { t0: number; accountCreated: number | undefined; runId: string; windowsPerStream?: number; spool: BackfillSpool },
): Promise<StreamBackfill> {
  const { t0 } = options;
  const count = options.windowsPerStream ?? definition.backfillWindows ?? DEFAULT_WINDOWS_PER_STREAM;
  const ranges =
    definition.history === 'last_30_days'
      ? planWindowRanges(Math.max(t0 - EVENT_RETENTION_SECONDS, options.accountCreated ?? 0), t0, count, { openStart: false })
      : planWindowRanges(options.accountCreated ?? t0 - FALLBACK_HISTORY_SECONDS, t0, count);
  await options.spool.reset(definition.name, t0);
  const windows = await warehouse.transaction(async (tx) => {
    // Staged incremental leftovers of this stream are superseded by the full read.
    await clearStaging(tx, definition.name);
    await tx.run(`drop table if exists ${backfillTable(definition.name)}`);
    return planBackfill(tx.db, definition.name, { t0, ranges, runId: options.runId });
  });
  return { definition, t0, mode: 'backfill', windows, startedAtMs: Date.now(), objects: 0, pages: 0, unloadedBytes: 0, loading: undefined };
}

/** Picks up a backfill a previous run left unfinished; undefined when there is nothing to resume (start afresh). */
export async function resumeBackfill(warehouse: Warehouse, definition: StreamDefinition, t0: number, spool: BackfillSpool): Promise<StreamBackfill | undefined> {
  const windows = await readWindows(warehouse.db, definition.name);
  if (windows.length === 0 || !spool.has(definition.name, t0)) return undefined;
  return { definition, t0, mode: 'resume', windows, startedAtMs: Date.now(), objects: 0, pages: 0, unloadedBytes: 0, loading: undefined };
}

/** Runs the backfills to their end; throws the first failure after the other windows have stopped. */
export async function runBackfills(context: BackfillContext, backfills: readonly StreamBackfill[]): Promise<StreamSummary[]> {
  const summaries: StreamSummary[] = [];
  const state = { failure: undefined as unknown, failed: false };
  const running = new Map<BackfillWindow, Promise<void>>();
  const owner = new Map<BackfillWindow, StreamBackfill>();
  for (const backfill of backfills) for (const window of backfill.windows) owner.set(window, backfill);
  const completing = new Set<StreamBackfill>();

  const queue = interleave(backfills.map((backfill) => backfill.windows.filter((window) => !window.done)));
  for (const backfill of backfills) {
    context.emit({ type: 'stream_started', stream: backfill.definition.name, mode: backfill.mode, windows: backfill.windows.length });
  }

  const finishStreamIfDone = async (backfill: StreamBackfill): Promise<void> => {
    if (completing.has(backfill) || state.failed) return;
    const open = backfill.windows.some((window) => !window.done || running.has(window));
    if (open) return;
    completing.add(backfill);
    summaries.push(await completeStream(context, backfill));
    context.onStreamComplete?.(backfill.definition.name);
  };

  const fail = (error: unknown): void => {
    if (!state.failed) state.failure = error;
    state.failed = true;
  };
  // Every window's whole chain (read, then the stream's merge if it was the last): the run ends when all have.
  const chains = new Set<Promise<void>>();
  const launch = (window: BackfillWindow): void => {
    const backfill = owner.get(window)!;
    const chain = (async () => {
      try {
        await readWindow(context, backfill, window, () => state.failed);
      } catch (error) {
        fail(error);
      } finally {
        running.delete(window);
      }
      try {
        await finishStreamIfDone(backfill);
      } catch (error) {
        fail(error);
      }
    })();
    running.set(window, chain);
    chains.add(chain);
    void chain.finally(() => chains.delete(chain));
  };

  // Streams whose windows were all read before a previous run died only need their merge.
  for (const backfill of backfills) {
    if (backfill.windows.every((window) => window.done)) {
      try {
        await finishStreamIfDone(backfill);
      } catch (error) {
        fail(error);
      }
    }
  }

  while (!state.failed) {
    while (running.size < context.activeWindowLimit() && queue.length > 0) launch(queue.shift()!);
    if (queue.length === 0 && running.size < context.activeWindowLimit()) {
      try {
        await splitIdleCapacity(context, [...running.keys()], owner, context.activeWindowLimit() - running.size, (window, backfill) => {
          owner.set(window, backfill);
          backfill.windows.push(window);
          launch(window);
        });
      } catch (error) {
        fail(error);
        break;
      }
    }
    if (chains.size === 0) break;
    // Wake when a window ends, or now and then to split a long window once its density is known.
    await Promise.race([...chains, delay(250)]);
  }
  await Promise.allSettled([...chains]);
  if (state.failed) throw state.failure;
  return summaries;
}

async function readWindow(context: BackfillContext, backfill: StreamBackfill, window: BackfillWindow, stopped: () => boolean): Promise<void> {
  const definition = backfill.definition;
  const expand = listExpand(definition);
  let startingAfter: string | undefined;
  // The previous page is stored while the next one is fetched: at most one page per window waits in memory.
  let previousWrite: PendingWrite | undefined;
  try {
    while (!window.done && !stopped()) {
      const upper = window.cursor ?? window.hi;
      const params: Record<string, unknown> = { limit: PAGE_SIZE, created: { gte: window.lo, lte: upper }, ...definition.listParams };
      if (expand.length > 0) params['expand'] = expand;
      if (startingAfter) params['starting_after'] = startingAfter;
      const what = `${definition.name}: the page of objects created ${isoSecond(window.lo)} to ${isoSecond(upper)}${startingAfter ? ` after ${startingAfter}` : ''}`;
      const page = await readPage(context, definition, params, what);
      if (stopped()) return;
      if (page.last) {
        if (page.last.created !== undefined) window.cursor = page.last.created;
        startingAfter = page.last.id;
      }
      window.pages++;
      window.objects += page.count;
      window.done = !page.hasMore || page.count === 0;
      if (previousWrite) await previousWrite.stored;
      previousWrite = context.writer.write({
        rows: page.copies,
        customerRefs: page.customerRefs,
        spooled: { stream: definition.name, t0: backfill.t0, lines: page.lines },
        window: { target: window, cursor: window.cursor, done: window.done, pages: window.pages, objects: window.objects },
      });
      backfill.objects += page.count;
      backfill.pages++;
      for (const line of page.lines) backfill.unloadedBytes += lineLength(line);
      if (backfill.unloadedBytes >= context.earlyLoadBytes && !backfill.loading) loadEarly(context, backfill, previousWrite.stored);
      context.emit({
        type: 'stream_progress',
        stream: definition.name,
        objects: backfill.objects,
        pages: backfill.pages,
        requests: context.reader.stats.requests,
        windowsDone: backfill.windows.filter((w) => w.done).length,
        windows: backfill.windows.length,
      });
    }
  } finally {
    // Commits are in order: the last page's commit means the window's whole state is in the warehouse.
    if (previousWrite) await previousWrite.committed;
  }
}

/** A listed page as it is written: only text and the few fields the window needs. */
interface PageRows {
  readonly lines: SpoolLine[];
  readonly copies: { stream: string; row: RawRow }[];
  readonly customerRefs: string[];
  readonly count: number;
  readonly hasMore: boolean;
  readonly last: { id: string; created: number | undefined } | undefined;
}

/**
 * Reads a page and turns it into what is written. Its own function so that
 * nothing but the page's lines and a few fields outlives it while the window
 * waits for its previous page to be stored.
 */
async function readPage(context: BackfillContext, definition: StreamDefinition, params: Record<string, unknown>, what: string): Promise<PageRows> {
  const page = await context.pool.run(() => context.reader.readListText(what, wantedFields(definition), (api) => definition.list!(api, params)));
  const syncedAt = new Date();
  const listed = await Promise.all(
    page.data.map(async (text): Promise<{ object: StripeObject; row: SpoolRow }> => {
      if (definition.subLists.some((sub) => text.listHasMore(sub.field))) {
        // Rare: an embedded list longer than Stripe shows. Its rest is read into the parsed object, stored re-serialised.
        const object = await completeSubLists(context.reader, context.pool, definition, JSON.parse(text.text) as StripeObject);
        return { object, row: objectRow(object, syncedAt) };
      }
      const object = routingFields(definition, text);
      return { object, row: { id: object.id, data: text.oneLine(), deleted: object.deleted === true, syncedAt } };
    }),
  );
  const objects = listed.map((entry) => entry.object);
  const last = objects[objects.length - 1];
  return {
    lines: listed.map((entry) => spoolLine(entry.row)),
    copies: objects.flatMap((object) => embeddedRows(definition, object, syncedAt)),
    customerRefs: customerRefs(definition, objects),
    count: objects.length,
    hasMore: page.has_more,
    last: last ? { id: last.id, created: typeof last.created === 'number' ? last.created : undefined } : undefined,
  };
}

/**
 * When windows run out while some are still long, splits the ones with the
 * most left to read: the older half of what remains becomes a new window.
 * Without this a stream whose objects crowd into its last window would read
 * it page after page alone while the budget sits idle.
 */
async function splitIdleCapacity(
  context: BackfillContext,
  active: readonly BackfillWindow[],
  owner: Map<BackfillWindow, StreamBackfill>,
  slots: number,
  start: (window: BackfillWindow, backfill: StreamBackfill) => void,
): Promise<void> {
  const candidates = active
    .map((window) => ({ window, remaining: estimateRemaining(window) }))
    .filter((candidate) => candidate.remaining >= 2 * PAGE_SIZE)
    .sort((a, b) => b.remaining - a.remaining)
    .slice(0, slots);
  for (const { window } of candidates) {
    const cursor = window.cursor!;
    const mid = window.lo + Math.floor((cursor - window.lo) / 2);
    const backfill = owner.get(window)!;
    const lower = await context.warehouse.transaction(async (tx) => {
      const created = await splitWindow(tx.db, window, mid);
      // In memory within the transaction: a page commit queued behind it then finds the window under its new key.
      window.lo = mid + 1;
      return created;
    });
    context.timings.splits++;
    start(lower, backfill);
  }
}

/** Objects left in [lo, cursor], assuming the density read so far holds. */
export function estimateRemaining(window: BackfillWindow): number {
  if (window.done || window.cursor === null || window.objects === 0) return 0;
  if (window.cursor - window.lo < 2) return 0;
  const readSpan = Math.max(1, window.hi - window.cursor + 1);
  return (window.objects / readSpan) * (window.cursor - window.lo);
}

/** Loads the chunks spooled so far (once the page just written is among them), in the background of the reading. */
function loadEarly(context: BackfillContext, backfill: StreamBackfill, pageStored: Promise<void>): void {
  backfill.unloadedBytes = 0;
  const { name } = backfill.definition;
  const load = (async () => {
    await pageStored;
    const chunks = context.spool.chunks(name, backfill.t0);
    await context.warehouseTurns.run(() =>
      withMemoryHeadroom(context.warehouse, `Loading ${name}`, () => context.warehouse.transaction((tx) => loadChunks(tx, name, chunks)), notice(context)),
    );
    await context.spool.removeChunks(chunks);
    context.timings.earlyLoads++;
  })();
  backfill.loading = load;
  // Done, it makes way for the next; failed, it stays for the stream's completion to report (and is not unhandled until then).
  load.then(
    () => {
      if (backfill.loading === load) backfill.loading = undefined;
    },
    () => undefined,
  );
}

async function completeStream(context: BackfillContext, backfill: StreamBackfill): Promise<StreamSummary> {
  const definition = backfill.definition;
  const syncedAt = new Date();
  const mergeStarted = performance.now();
  if (backfill.loading) await backfill.loading;
  const { counts, derived } = await context.warehouseTurns.run(() =>
    withMemoryHeadroom(context.warehouse, `Merging ${definition.name}`, () => mergeStream(context, backfill, syncedAt), notice(context)),
  );
  for (const [target, merged] of derived) addCounts(context.derivedCounts, target, merged);
  await context.spool.remove(definition.name);
  context.timings.mergeMs += performance.now() - mergeStarted;
  const seconds = (Date.now() - backfill.startedAtMs) / 1000;
  context.emit({ type: 'stream_finished', stream: definition.name, mode: backfill.mode, counts, seconds, objects: backfill.objects, pages: backfill.pages });
  return { stream: definition.name, mode: backfill.mode, ...counts, seconds, objects: backfill.objects, pages: backfill.pages };
}

export function addCounts(target: Map<string, MergeCounts>, stream: string, counts: MergeCounts): void {
  const current = target.get(stream) ?? { new: 0, updated: 0, deleted: 0 };
  target.set(stream, { new: current.new + counts.new, updated: current.updated + counts.updated, deleted: current.deleted + counts.deleted });
}

/** Round-robin over the streams' windows (newest first within each), so every stream starts early and shows its density. */
function interleave<T>(lists: readonly (readonly T[])[]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...lists.map((list) => list.length));
  for (let i = 0; i < longest; i++) for (const list of lists) if (i < list.length) out.push(list[i]!);
  return out;
}

/**
 * The stream's spooled rows reach its backfill table, which becomes the raw
 * table. Two transactions, each rolled back whole if it fails, so the pair can
 * run again: a chunk loaded twice is deduplicated.
 */
async function mergeStream(context: BackfillContext, backfill: StreamBackfill, syncedAt: Date): Promise<{ counts: MergeCounts; derived: Map<string, MergeCounts> }> {
  const definition = backfill.definition;
  // Its own transaction: the key the swap adds must not see the duplicates deleted here (see dedupeBackfillTable).
  const rest = context.spool.chunks(definition.name, backfill.t0);
  await context.warehouse.transaction(async (tx) => {
    await loadChunks(tx, definition.name, rest);
    await dedupeBackfillTable(tx, definition.name);
  });
  return context.warehouse.transaction(async (tx) => {
    const counts = await completeBackfillTable(tx, definition.name, {
      syncedAt,
      ...(definition.listShowsAll ? { completeReadStartedAt: backfill.t0 } : {}),
    });
    const derived = new Map<string, MergeCounts>();
    for (const target of new Set(definition.embedded.map((copy) => copy.stream))) derived.set(target, await mergeStaging(tx, target, { syncedAt }));
    const objectCount = await rawRowCount(tx, definition.name);
    await completeBackfill(tx.db, definition.name, { completedAt: context.reader.serverNow(), cursor: backfill.t0, runId: context.runId, objectCount, succeededAt: syncedAt });
    return { counts, derived };
  });
}

function notice(context: BackfillContext): (message: string) => void {
  return (message) => context.emit({ type: 'notice', message });
}

function isoSecond(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
