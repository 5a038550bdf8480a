import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Gives the memory of pages already written back promptly. A page's bytes
 * live outside the JS heap (Buffers: the socket's chunks, then the body they
 * are joined into), and V8 frees them only when a major collection finds
 * their handles dead; it starts one for outside memory only once 64 MB more
 * of it is held than after the last. A full read receives a few dozen MB of
 * pages a second, each dead a moment after its spool write, so without help
 * the process carries up to 64 MB of written pages. Collecting after every
 * 12 MB received keeps that near what is really in flight: on the
 * 10,000-customer benchmark, collections every 16 MB took its peak RSS from
 * ~320 to ~290 MB for no measurable CPU, every 12 MB for ~1 s, every 8 MB for
 * 5 s (the collector's helper threads compete with the extract's).
 */
export class PageMemory {
  private sinceCollection = 0;
  private scheduled = false;

  constructor(
    private readonly bytesBetweenCollections = DEFAULT_BYTES_BETWEEN_COLLECTIONS,
    /** V8's collector; tests count calls with one of their own. */
    private readonly collector: () => (() => void) | null = garbageCollector,
  ) {}

  /** Counts a received page; a collection follows once enough has arrived since the last. */
  received(bytes: number): void {
    this.sinceCollection += bytes;
    if (this.sinceCollection < this.bytesBetweenCollections || this.scheduled) return;
    const collect = this.collector();
    if (!collect) return;
    this.scheduled = true;
    // After the current callbacks: the page that tipped the count is itself still needed. Pages received until
    // then are the collection's to free, so the count starts over when it runs.
    setImmediate(() => {
      this.scheduled = false;
      this.sinceCollection = 0;
      collect();
    }).unref();
  }
}

/** Twice this is the most received garbage waiting (the chunks and the body joined from them). */
export const DEFAULT_BYTES_BETWEEN_COLLECTIONS = 12 * 1024 * 1024;

let collector: (() => void) | null | undefined;

/**
 * V8's own collector, without starting node with --expose-gc: the flag set
 * now applies to contexts created afterwards, so a fresh context has `gc`.
 * Null when the runtime refuses (the extract then simply keeps more memory).
 */
function garbageCollector(): (() => void) | null {
  if (collector !== undefined) return collector;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    collector = typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    collector = null;
  }
  return collector;
}
