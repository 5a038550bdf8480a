import { statSync } from 'node:fs';
import { join } from 'node:path';
import { reportsPathsFor } from '../reports/paths.js';
import { rebuildReports } from './reportsStep.js';

/**
 * Rebuilding the reports' site while `serve` runs. A site build takes Evidence
 * a minute or two of both cores, far longer than the marts take, so serve
 * does not make its refreshes wait for it: after a refresh publishes, the site
 * is rebuilt here, from the published copy, outside the writer lock (it reads
 * only the published copy). Requests coalesce: one build at a time, at most
 * one more queued behind it, and webhook-triggered requests at most once per
 * interval (the marts and `tributary query` are current within a minute
 * anyway; the site follows). The old site stays up until a new one replaces it.
 */
export interface BackgroundReportsOptions {
  readonly warehousePath: string;
  readonly reportingCurrency?: string | undefined;
  /** Between two builds asked for without `now`; default 10 minutes. */
  readonly minIntervalMs?: number;
  readonly onBuilt?: (outcome: { ok: true; seconds: number; pages: number } | { ok: false; error: string; seconds: number }) => void;
}

export interface ReportsState {
  readonly building: boolean;
  readonly builtAt: Date | null;
  readonly lastError: string | null;
}

export class BackgroundReports {
  private building: Promise<void> | null = null;
  private queued = false;
  private timer: NodeJS.Timeout | null = null;
  private lastStartMs = 0;
  private builtAt: Date | null;
  private lastError: string | null = null;
  private abort: AbortController | null = null;
  private closed = false;

  constructor(private readonly options: BackgroundReportsOptions) {
    this.builtAt = siteBuiltAt(options.warehousePath);
  }

  get state(): ReportsState {
    return { building: this.building !== null, builtAt: this.builtAt, lastError: this.lastError };
  }

  /** Asks for a rebuild; `now` skips the interval (after a scheduled refresh, or when no site exists yet). */
  request(options: { now?: boolean } = {}): void {
    if (this.closed) return;
    const wait = options.now ? 0 : Math.max(0, this.lastStartMs + (this.options.minIntervalMs ?? 600_000) - Date.now());
    if (wait > 0) {
      if (this.timer === null) this.timer = setTimeout(() => {
        this.timer = null;
        this.request({ now: true });
      }, wait);
      return;
    }
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.building) {
      this.queued = true;
      return;
    }
    this.building = this.build().finally(() => {
      this.building = null;
      if (this.queued && !this.closed) {
        this.queued = false;
        this.request({ now: true });
      }
    });
  }

  /** A refresh rebuilt the site itself (its reports step). */
  noteBuilt(at = new Date()): void {
    this.builtAt = at;
    this.lastError = null;
  }

  /** Waits for the build under way, if any. */
  async idle(): Promise<void> {
    while (this.building) await this.building;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.abort?.abort();
    await this.building?.catch(() => undefined);
  }

  private async build(): Promise<void> {
    this.lastStartMs = Date.now();
    this.abort = new AbortController();
    const t0 = performance.now();
    try {
      const built = await rebuildReports({ warehousePath: this.options.warehousePath, reportingCurrency: this.options.reportingCurrency, signal: this.abort.signal });
      this.builtAt = new Date();
      this.lastError = null;
      this.options.onBuilt?.({ ok: true, seconds: (performance.now() - t0) / 1000, pages: built.pages });
    } catch (error) {
      this.lastError = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      this.options.onBuilt?.({ ok: false, error: this.lastError, seconds: (performance.now() - t0) / 1000 });
    } finally {
      this.abort = null;
    }
  }
}

function siteBuiltAt(warehousePath: string): Date | null {
  try {
    return statSync(join(reportsPathsFor(warehousePath).siteDir, 'index.html')).mtime;
  } catch {
    return null;
  }
}
