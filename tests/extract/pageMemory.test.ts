import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { PageMemory } from '../../extract/stripe/pageMemory.js';

const MB = 1024 * 1024;

/** Memory held by ArrayBuffers (Buffers included): where received pages live. */
const bufferMemory = (): number => process.memoryUsage().arrayBuffers;

describe('page memory', () => {
  it('collects once enough has been received since the last collection, not before, and after the current callbacks', async () => {
    let collections = 0;
    const pageMemory = new PageMemory(16 * MB, () => () => collections++);
    pageMemory.received(8 * MB);
    pageMemory.received(7 * MB);
    await nextTurn();
    expect(collections).toBe(0);
    pageMemory.received(2 * MB);
    // The page that tipped the count is still being handled: the collection waits for the next turn.
    expect(collections).toBe(0);
    // More pages in the same turn do not schedule a second one.
    pageMemory.received(20 * MB);
    await nextTurn();
    expect(collections).toBe(1);
    pageMemory.received(15 * MB);
    await nextTurn();
    expect(collections).toBe(1);
    pageMemory.received(1 * MB);
    await nextTurn();
    expect(collections).toBe(2);
  });

  it("frees a dead page's memory with V8's own collector", async () => {
    const pageMemory = new PageMemory(16 * MB);
    let page: Buffer | undefined = Buffer.alloc(24 * MB, 1);
    const withPage = bufferMemory();
    expect(page.length).toBe(24 * MB);
    page = undefined;
    pageMemory.received(16 * MB);
    await nextTurn();
    await nextTurn();
    expect(bufferMemory()).toBeLessThan(withPage - 20 * MB);
  });
});
