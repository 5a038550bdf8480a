import { describe, expect, it } from 'vitest';
import { concurrencyFor, RequestPool } from '../../extract/stripe/pool.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('request pool', () => {
  it('runs at most `size` tasks at once and hands a slot straight to the next waiter', async () => {
    const pool = new RequestPool(2);
    const gates = [gate(), gate(), gate()];
    const started: number[] = [];
    const tasks = gates.map((g, i) => pool.run(async () => { started.push(i); await g.opened; return i; }));
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(pool.inFlight).toBe(2);
    gates[0]!.open();
    await tasks[0];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    expect(pool.inFlight).toBe(2);
    gates[1]!.open();
    gates[2]!.open();
    expect(await Promise.all(tasks)).toEqual([0, 1, 2]);
    expect(pool.inFlight).toBe(0);
  });

  it('grows at once and shrinks as tasks finish', async () => {
    const pool = new RequestPool(1);
    const gates = [gate(), gate(), gate()];
    const started: number[] = [];
    const tasks = gates.map((g, i) => pool.run(async () => { started.push(i); await g.opened; }));
    await Promise.resolve();
    expect(started).toEqual([0]);
    pool.resize(3);
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    pool.resize(1);
    const late = gate();
    const fourth = pool.run(async () => { started.push(3); await late.opened; });
    gates[0]!.open();
    gates[1]!.open();
    await Promise.all([tasks[0], tasks[1]]);
    await Promise.resolve();
    // Two finished, but one is still running and the pool now has one slot: the fourth waits.
    expect(started).toEqual([0, 1, 2]);
    gates[2]!.open();
    await tasks[2];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2, 3]);
    late.open();
    await fourth;
    expect(pool.inFlight).toBe(0);
  });

  it('sizes itself to keep the rate busy through the observed latency', () => {
    // 100/s at 50 ms a request: 5 in flight, x1.5 margin, +1.
    expect(concurrencyFor(100, 0.05)).toBe(9);
    // Stripe live, 80/s at 400 ms, would want 49: capped at 24, as each page in flight holds memory.
    expect(concurrencyFor(80, 0.4)).toBe(24);
    expect(concurrencyFor(20, 0.01)).toBe(4);
  });
});
