import type { MergeCounts } from './rawTables.js';

/**
 * What a run tells its caller while it works. The CLI turns these into
 * progress bars or log lines; `refresh` and `serve` may ignore them.
 */
export type StreamMode = 'backfill' | 'resume' | 'incremental';

export type ExtractProgress =
  | { readonly type: 'stream_started'; readonly stream: string; readonly mode: StreamMode; readonly windows?: number }
  | {
      readonly type: 'stream_progress';
      readonly stream: string;
      readonly objects: number;
      readonly pages: number;
      /** Requests of the whole run so far. */
      readonly requests: number;
      /** During a backfill: windows finished and planned (splits add windows). */
      readonly windowsDone?: number;
      readonly windows?: number;
    }
  | { readonly type: 'stream_finished'; readonly stream: string; readonly mode: StreamMode; readonly counts: MergeCounts; readonly seconds: number; readonly objects: number; readonly pages: number }
  /** Something the user should know, e.g. a stale cursor falling back to a full read. */
  | { readonly type: 'notice'; readonly message: string };

export type ProgressListener = (event: ExtractProgress) => void;

export interface StreamSummary {
  readonly stream: string;
  readonly mode: StreamMode;
  readonly new: number;
  readonly updated: number;
  readonly deleted: number;
  readonly seconds: number;
  /** Objects read from Stripe for this stream during the run. */
  readonly objects: number;
  readonly pages: number;
}

export interface ExtractSummary {
  readonly runId: string;
  readonly streams: readonly StreamSummary[];
  readonly requests: number;
  readonly retries: number;
  readonly notices: readonly string[];
  readonly seconds: number;
  /** Server time (epoch seconds) the run started at. */
  readonly serverTime: number;
  /** Where the time went: staged-page commits and stream merges (wall seconds, overlapping the requests). */
  readonly timings: { readonly commits: number; readonly commitSeconds: number; readonly mergeSeconds: number; readonly windowSplits: number; readonly earlyLoads: number };
}
