import { describe, expect, it } from 'vitest';
import { defaultRateForKey, RateBudget } from '../../extract/stripe/rateBudget.js';

/** A clock the test advances by hand: the budget's waits become exact numbers. */
function manualClock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
  };
}

describe('rate budget', () => {
  it('spaces requests at the rate, one interval apart', async () => {
    const clock = manualClock();
    const budget = new RateBudget({ ratePerSecond: 5, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 5; i++) await budget.take();
    // 5/s: the first goes at once, each next one 200 ms after the previous.
    expect(clock.sleeps).toEqual([200, 200, 200, 200]);
    expect(clock.now()).toBe(800);
    expect(budget.grantedCount).toBe(5);
  });

  it('serves callers that wait at the same time in order, each in its own slot', async () => {
    const clock = manualClock();
    const waits: number[] = [];
    const budget = new RateBudget({
      ratePerSecond: 10,
      now: clock.now,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    await Promise.all(Array.from({ length: 4 }, () => budget.take()));
    // All four reserve at t=0: slots at 0, 100, 200 and 300 ms.
    expect(waits).toEqual([100, 200, 300]);
  });

  it('allows a burst after a quiet spell, then falls back to the rate', async () => {
    const clock = manualClock();
    const budget = new RateBudget({ ratePerSecond: 10, burst: 3, now: clock.now, sleep: clock.sleep });
    clock.advance(10_000);
    for (let i = 0; i < 5; i++) await budget.take();
    // Three go at once, the fourth waits one interval after the burst allowance is spent.
    expect(clock.sleeps).toEqual([100, 100]);
  });

  it('does not bank unused time beyond the burst', async () => {
    const clock = manualClock();
    const budget = new RateBudget({ ratePerSecond: 4, now: clock.now, sleep: clock.sleep });
    await budget.take();
    clock.advance(60_000);
    await budget.take();
    await budget.take();
    expect(clock.sleeps).toEqual([250]);
  });

  it('holds everyone back after a pause', async () => {
    const clock = manualClock();
    const budget = new RateBudget({ ratePerSecond: 100, now: clock.now, sleep: clock.sleep });
    await budget.take();
    budget.pause(1000);
    await budget.take();
    expect(clock.sleeps).toEqual([1000]);
  });

  it('holds a real rate within generous bounds', async () => {
    const budget = new RateBudget({ ratePerSecond: 100 });
    const started = performance.now();
    await Promise.all(Array.from({ length: 31 }, () => budget.take()));
    const elapsed = performance.now() - started;
    // 31 requests at 100/s: the last is due 300 ms after the first.
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
  });

  it('defaults to 20/s for test keys and 80/s for live keys', () => {
    expect(defaultRateForKey('sk_test_abc')).toBe(20);
    expect(defaultRateForKey('rk_test_abc')).toBe(20);
    expect(defaultRateForKey('sk_live_abc')).toBe(80);
    expect(defaultRateForKey('rk_live_abc')).toBe(80);
  });

  it('refuses a rate that is not a positive number', () => {
    expect(() => new RateBudget({ ratePerSecond: 0 })).toThrow(/positive/);
    expect(() => new RateBudget({ ratePerSecond: Number.NaN })).toThrow(/positive/);
  });
});
