import type { DemoAccount } from '../account/account.js';
import type { Json } from '../account/render/context.js';

/**
 * The JSON text of objects the server has rendered, for benchmarks: on a
 * shared 2-core machine the demo server stands in for Stripe, whose CPU is
 * not ours, so `bench:extract` renders the account once before the timed run
 * and the server then only joins texts and sends bytes. The cache empties
 * whenever the account changes or its clock moves, so an answer is always
 * what rendering it afresh would give.
 */
export class RenderCache {
  /** UTF-8 bytes: encoded once here rather than on every send. */
  private readonly texts = new Map<string, Buffer>();
  private stamp = '';

  constructor(private readonly account: DemoAccount) {}

  /** The object's JSON, rendered on first use; `variant` tells renderings of one object apart (its expansions). */
  text(kind: string, idx: number, variant: string, render: () => Json): Buffer {
    const stamp = `${this.account.version}:${this.account.now}`;
    if (stamp !== this.stamp) {
      this.texts.clear();
      this.stamp = stamp;
    }
    const key = `${kind}:${idx}:${variant}`;
    let text = this.texts.get(key);
    if (text === undefined) {
      text = Buffer.from(JSON.stringify(render()));
      this.texts.set(key, text);
    }
    return text;
  }

  get size(): number {
    return this.texts.size;
  }
}

const COMMA = Buffer.from(',');

/** A list answer whose objects are JSON already. */
export class ListText {
  constructor(
    readonly texts: readonly Buffer[],
    readonly hasMore: boolean,
    readonly url: string,
  ) {}

  /** The answer's body, shaped as Stripe's list object. */
  serialize(): Buffer {
    const parts: Buffer[] = [Buffer.from('{"object":"list","data":[')];
    this.texts.forEach((text, i) => parts.push(...(i > 0 ? [COMMA, text] : [text])));
    parts.push(Buffer.from(`],"has_more":${this.hasMore},"url":${JSON.stringify(this.url)}}`));
    return Buffer.concat(parts);
  }
}
