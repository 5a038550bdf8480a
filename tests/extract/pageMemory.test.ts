import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { PageMemory } from '../../extract/stripe/pageMemory.js';

const MB = 1024 * 1024;

/** Memory held by ArrayBuffers (Buffers included): where received pages live. */
const bufferMemory = (): number => process.memoryUsage().arrayBuffers;

describe('page memory', () => {
  it('frees written pages once enough has been received, not before', async () => {
    const pageMemory = new PageMemory(16 * MB);
    let page: Buffer | undefined = Buffer.alloc(24 * MB, 1);
    const withPage = bufferMemory();
    pageMemory.received(8 * MB);
    page = undefined;
    await nextTurn();
    // Below the threshold nothing is collected (24 MB is too little for V8 to act on by itself): the dead page is still held.
    expect(bufferMemory()).toBeGreaterThan(withPage - 4 * MB);
    pageMemory.received(8 * MB);
    await nextTurn();
    await nextTurn();
    expect(bufferMemory()).toBeLessThan(withPage - 20 * MB);
  });
});
