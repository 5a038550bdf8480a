import { hash32, mix2 } from './random.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGIT = new Map([...BASE62].map((char, i) => [char, i]));

const HALF_BITS = 23;
const HALF = 2 ** HALF_BITS;
const TAIL_LIMIT = HALF * HALF; // 2^46 < 62^8
const ROUNDS = 4;

function encode(value: number, alphabet: string, width: number): string {
  let out = '';
  let rest = value;
  const base = alphabet.length;
  for (let i = 0; i < width; i++) {
    out = alphabet[rest % base]! + out;
    rest = Math.floor(rest / base);
  }
  return out;
}

/**
 * Stripe-looking ids that carry their own row index: the last 8 characters are
 * a keyed permutation (a Feistel network) of the index, so an id decodes back
 * to its row with no lookup table. That keeps millions of ids out of memory.
 * Long ids look like Stripe's `in_1Pgc6tB7WZ01zgkWu9fdqL6I`: 6 characters of
 * creation time, 10 of account, 8 of row; short ones (`cus_QXg1o8vcGmoR32`)
 * 6 of time and 8 of row.
 */
export class IdCodec {
  readonly accountSegment: string;
  private readonly keys: number[][] = [];

  constructor(private readonly seed: number) {
    let segment = '';
    for (let i = 0; i < 10; i++) segment += BASE62[hash32(seed, 0xacc7, i) % 62];
    this.accountSegment = segment;
  }

  private roundKeys(tag: number): number[] {
    let keys = this.keys[tag];
    if (!keys) {
      keys = [];
      for (let round = 0; round < ROUNDS; round++) keys.push(hash32(this.seed, tag, round, 0x1d5));
      this.keys[tag] = keys;
    }
    return keys;
  }

  private permute(tag: number, index: number): number {
    const keys = this.roundKeys(tag);
    let left = Math.floor(index / HALF);
    let right = index % HALF;
    for (let round = 0; round < ROUNDS; round++) {
      const next = left ^ (mix2(right, keys[round]!) & (HALF - 1));
      left = right;
      right = next;
    }
    return left * HALF + right;
  }

  private unpermute(tag: number, value: number): number {
    const keys = this.roundKeys(tag);
    let left = Math.floor(value / HALF);
    let right = value % HALF;
    for (let round = ROUNDS - 1; round >= 0; round--) {
      const previous = right ^ (mix2(left, keys[round]!) & (HALF - 1));
      right = left;
      left = previous;
    }
    return left * HALF + right;
  }

  private timeSegment(created: number, short: boolean): string {
    // Short ids mix the time so they do not all start with the same digit.
    return short ? encode((created * 2654435761) % 56_800_235_584, BASE62, 6) : encode(created % 56_800_235_584, BASE62, 6);
  }

  /** `prefix_` + 24 characters. */
  long(prefix: string, tag: number, index: number, created: number): string {
    return `${prefix}_${this.timeSegment(created, false)}${this.accountSegment}${encode(this.permute(tag, index), BASE62, 8)}`;
  }

  /** `prefix_` + 14 characters. */
  short(prefix: string, tag: number, index: number, created: number): string {
    return `${prefix}_${this.timeSegment(created, true)}${encode(this.permute(tag, index), BASE62, 8)}`;
  }

  /** The row index an id claims to be, or undefined; callers confirm by re-rendering the id. */
  decode(tag: number, id: string): number | undefined {
    if (id.length < 9) return undefined;
    let value = 0;
    for (let i = id.length - 8; i < id.length; i++) {
      const digit = DIGIT.get(id[i]!);
      if (digit === undefined) return undefined;
      value = value * 62 + digit;
    }
    if (value >= TAIL_LIMIT) return undefined;
    return this.unpermute(tag, value);
  }

  /** Coupon ids are 8 upper-case characters, like Stripe's generated ones. */
  coupon(index: number): string {
    return encode(this.permute(0xc0, index) % 2_821_109_907_456, BASE36, 8);
  }

  /** Any other deterministic token: invoice prefixes, fingerprints, receipt paths, request ids. */
  token(tag: number, index: number, length: number, alphabet: 'base62' | 'hex' = 'base62'): string {
    // One hash seeds a xorshift stream: tokens are long (receipt urls) and rendered often.
    let state = hash32(this.seed, tag, index) || 1;
    const chars = alphabet === 'hex' ? '0123456789ABCDEF' : BASE62;
    let out = '';
    for (let i = 0; i < length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out += chars[(state >>> 0) % chars.length];
    }
    return out;
  }
}
