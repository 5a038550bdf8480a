/**
 * Bounds how many Stripe requests are in flight at once, across every stream
 * and window of a run. With the rate budget this is what keeps a slow server
 * busy at its rate limit: enough requests wait on the network to cover the
 * latency, and no more.
 */
export class RequestPool {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private slots: number;

  constructor(size: number) {
    if (!(size >= 1)) throw new RangeError(`A request pool needs at least one slot (got ${size}).`);
    this.slots = size;
  }

  get size(): number {
    return this.slots;
  }

  get inFlight(): number {
    return this.active;
  }

  /** Grows or shrinks the pool; a shrink takes effect as requests finish. */
  resize(size: number): void {
    this.slots = Math.max(1, Math.round(size));
    while (this.active < this.slots && this.waiting.length > 0) {
      this.active++;
      this.waiting.shift()!();
    }
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so the count stays exact; after a shrink it is given up instead.
      const next = this.active <= this.slots ? this.waiting.shift() : undefined;
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * Requests to keep in flight so the budget stays busy: the rate times the
 * observed time per request, with half again as margin. Fewer would leave the
 * budget idle on a slow server; more only holds pages in memory.
 */
export function concurrencyFor(ratePerSecond: number, secondsPerRequest: number): number {
  return Math.max(4, Math.min(24, Math.ceil(ratePerSecond * secondsPerRequest * 1.5) + 1));
}

/**
 * How many requests to keep in flight for a rate: enough to cover ~250 ms per
 * request (Stripe's list latency), within bounds; each in-flight page costs
 * memory until it is committed.
 */
export function defaultConcurrency(ratePerSecond: number): number {
  return Math.max(6, Math.min(40, Math.ceil(ratePerSecond * 0.25)));
}
