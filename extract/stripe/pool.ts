/**
 * Bounds how many Stripe requests are in flight at once, across every stream
 * and window of a run. With the rate budget this is what keeps a slow server
 * busy at its rate limit: enough requests wait on the network to cover the
 * latency, and no more.
 */
export class RequestPool {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new RangeError(`A request pool needs at least one slot (got ${size}).`);
  }

  get inFlight(): number {
    return this.active;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so the count stays exact.
      if (next) next();
      else this.active--;
    }
  }
}

/** How many requests to keep in flight for a rate: enough to cover ~300 ms per request, within sane bounds. */
export function defaultConcurrency(ratePerSecond: number): number {
  return Math.max(6, Math.min(48, Math.ceil(ratePerSecond * 0.3)));
}
