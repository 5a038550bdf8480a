/**
 * The request-rate budget every Stripe request of a run draws from: a token
 * bucket in its "virtual scheduling" form (GCRA). Each request reserves the
 * next free slot synchronously, so waiting callers are served in order and the
 * budget holds however many workers share it.
 */
export interface RateBudgetOptions {
  /** Requests per second. */
  readonly ratePerSecond: number;
  /**
   * Requests that may go out back to back after a quiet spell. Stripe counts
   * requests per second, so a small burst keeps us under its limit even when
   * the previous second was busy.
   */
  readonly burst?: number;
  /** Milliseconds on a monotonic clock; a parameter so tests can drive time. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_TEST_MODE_RATE = 20;
export const DEFAULT_LIVE_MODE_RATE = 80;

/** Stripe's own read limits are lower in test mode (25/s) than live (100/s); stay a little under each. */
export function defaultRateForKey(apiKey: string): number {
  return /^(sk|rk)_live_/.test(apiKey) ? DEFAULT_LIVE_MODE_RATE : DEFAULT_TEST_MODE_RATE;
}

export class RateBudget {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** When the next request is due if requests came exactly at the rate. */
  private theoreticalArrival = -Infinity;
  private granted = 0;

  constructor(options: RateBudgetOptions) {
    if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond)) {
      throw new RangeError(`The request rate must be a positive number of requests per second (got ${options.ratePerSecond}).`);
    }
    const burst = Math.max(1, Math.floor(options.burst ?? 1));
    this.intervalMs = 1000 / options.ratePerSecond;
    this.toleranceMs = (burst - 1) * this.intervalMs;
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  get ratePerSecond(): number {
    return 1000 / this.intervalMs;
  }

  /** Requests granted so far. */
  get grantedCount(): number {
    return this.granted;
  }

  /** Resolves when the caller may send one request. */
  async take(): Promise<void> {
    const waitMs = this.reserve();
    if (waitMs > 0) await this.sleep(waitMs);
  }

  /**
   * Holds every later request back for ms, e.g. after the server answered 429
   * with Retry-After: the whole run is over the limit, not just one request.
   */
  pause(ms: number): void {
    const resumeAt = this.now() + ms;
    this.theoreticalArrival = Math.max(this.theoreticalArrival, resumeAt + this.toleranceMs);
  }

  /** Reserves the next slot and returns how long to wait for it. */
  private reserve(): number {
    const now = this.now();
    const earliest = this.theoreticalArrival - this.toleranceMs;
    const sendAt = Math.max(now, earliest);
    this.theoreticalArrival = Math.max(this.theoreticalArrival, now) + this.intervalMs;
    this.granted++;
    return sendAt - now;
  }
}
