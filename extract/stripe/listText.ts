/**
 * Reading a list page without building its objects. A full read stores each
 * object as the JSON Stripe sent and routes on a handful of top-level fields
 * (id, created, customer, an embedded list's has_more). Parsing whole pages
 * into objects only to serialise them again was most of the extractor's CPU
 * and most of its garbage, so a page's bytes are split into its objects' JSON
 * texts in one pass, noting where the wanted fields' values are; only those
 * are decoded and parsed. The texts stay bytes (views of the page's buffer,
 * outside the JS heap) on their way to the spool file.
 *
 * The scanner relies on what every JSON text guarantees: outside strings only
 * structure, numbers, literals and whitespace; inside strings no raw quote
 * (escaped ones follow a backslash) and no raw line break; and UTF-8 never
 * uses an ASCII byte inside a multi-byte character. It does not validate:
 * DuckDB parses every stored text when it loads it.
 */

/** A list page as split here: the objects' texts, and the page's own fields. */
export interface ListPageText {
  readonly object: 'list';
  readonly data: ObjectText[];
  readonly has_more: boolean;
  readonly url?: string;
}

/** The top-level fields to locate in each object, and the fields holding embedded lists whose has_more matters. */
export interface WantedFields {
  readonly fields: readonly string[];
  readonly lists: readonly string[];
}

/** One listed object's JSON text (UTF-8 bytes), with its wanted fields located. */
export class ObjectText {
  constructor(
    readonly bytes: Buffer,
    /** Per wanted field, [from, to) of its value in text, or -1 when absent. */
    private readonly ranges: Int32Array,
    /** Per wanted list field, whether its has_more is true. */
    private readonly listsHaveMore: readonly boolean[],
    private readonly wanted: WantedFields,
  ) {}

  /** A wanted top-level field, parsed; undefined when the object lacks it. */
  field(name: string): unknown {
    const at = this.wanted.fields.indexOf(name);
    if (at < 0) throw new Error(`The field ${name} was not asked for when the page was split.`);
    const from = this.ranges[2 * at]!;
    return from < 0 ? undefined : JSON.parse(this.bytes.toString('utf8', from, this.ranges[2 * at + 1]!));
  }

  /** Whether a wanted embedded list shows fewer entries than it has. */
  listHasMore(name: string): boolean {
    const at = this.wanted.lists.indexOf(name);
    if (at < 0) throw new Error(`The list ${name} was not asked for when the page was split.`);
    return this.listsHaveMore[at]!;
  }

  /** The text as a string, e.g. to parse it whole. */
  get text(): string {
    return this.bytes.toString('utf8');
  }

  /**
   * The bytes on one line: pretty-printed JSON has line breaks between tokens,
   * never inside strings, so they become spaces (in place: the page buffer is ours).
   */
  oneLine(): Buffer {
    const { bytes } = this;
    for (let at = bytes.indexOf(0x0a); at >= 0; at = bytes.indexOf(0x0a, at + 1)) bytes[at] = 0x20;
    for (let at = bytes.indexOf(0x0d); at >= 0; at = bytes.indexOf(0x0d, at + 1)) bytes[at] = 0x20;
    return bytes;
  }
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Splits a list response body (UTF-8); undefined when the body is not a list object. */
export function splitListPage(body: Buffer, wanted: WantedFields): ListPageText | undefined {
  const scanner = new PageScanner(body, wanted);
  return scanner.page();
}

class PageScanner {
  private i = 0;
  private readonly n: number;
  private readonly fieldNames: Buffer[];
  private readonly listNames: Buffer[];

  constructor(
    private readonly s: Buffer,
    private readonly wanted: WantedFields,
  ) {
    this.n = s.length;
    this.fieldNames = wanted.fields.map((name) => Buffer.from(name));
    this.listNames = wanted.lists.map((name) => Buffer.from(name));
  }

  page(): ListPageText | undefined {
    const { s } = this;
    this.space();
    if (s[this.i] !== OPEN_BRACE) return undefined;
    let object: unknown;
    let hasMore: unknown;
    let url: unknown;
    let data: ObjectText[] | undefined;
    this.eachMember((keyFrom, keyTo) => {
      const key = JSON.parse(s.toString('utf8', keyFrom - 1, keyTo + 1)) as string;
      if (key === 'data' && s[this.i] === OPEN_BRACKET) {
        data = this.elements();
        return;
      }
      const from = this.i;
      this.skipValue();
      const value = JSON.parse(s.toString('utf8', from, this.i)) as unknown;
      if (key === 'object') object = value;
      else if (key === 'has_more') hasMore = value;
      else if (key === 'url') url = value;
    });
    if (object !== 'list' || !data) return undefined;
    return { object: 'list', data, has_more: hasMore === true, ...(typeof url === 'string' ? { url } : {}) };
  }

  /**
   * Walks the members of the object opening at i, calling visit with each
   * key's range [keyFrom, keyTo) and i at its value; visit moves i past the
   * value. Ends with i past the closing brace.
   */
  private eachMember(visit: (keyFrom: number, keyTo: number) => void): void {
    const { s } = this;
    this.i++;
    this.space();
    if (s[this.i] === CLOSE_BRACE) {
      this.i++;
      return;
    }
    for (;;) {
      const keyFrom = this.i + 1;
      this.skipString();
      const keyTo = this.i - 1;
      this.space();
      if (s[this.i] !== COLON) throw this.error(`expected ':'`);
      this.i++;
      this.space();
      visit(keyFrom, keyTo);
      this.space();
      const c = s[this.i++];
      if (c === CLOSE_BRACE) return;
      if (c !== COMMA) throw this.error(`expected ',' or '}'`);
      this.space();
    }
  }

  /** The elements of the data array, each an object with its wanted fields located. */
  private elements(): ObjectText[] {
    const { s, wanted } = this;
    const out: ObjectText[] = [];
    this.i++;
    this.space();
    if (s[this.i] === CLOSE_BRACKET) {
      this.i++;
      return out;
    }
    for (;;) {
      const start = this.i;
      if (s[start] !== OPEN_BRACE) throw this.error('expected an object in data');
      const ranges = new Int32Array(2 * wanted.fields.length).fill(-1);
      const listsHaveMore = wanted.lists.map(() => false);
      this.objectFields(ranges, listsHaveMore);
      out.push(new ObjectText(s.subarray(start, this.i), rangesRelativeTo(ranges, start), listsHaveMore, wanted));
      this.space();
      const c = s[this.i++];
      if (c === CLOSE_BRACKET) return out;
      if (c !== COMMA) throw this.error(`expected ',' or ']' in data`);
      this.space();
    }
  }

  /** Scans one object (at its '{'), noting the wanted fields' value ranges and embedded lists' has_more. */
  private objectFields(ranges: Int32Array, listsHaveMore: boolean[]): void {
    const { s } = this;
    this.eachMember((keyFrom, keyTo) => {
      const from = this.i;
      const field = matchKey(s, keyFrom, keyTo, this.fieldNames);
      const list = s[from] === OPEN_BRACE ? matchKey(s, keyFrom, keyTo, this.listNames) : -1;
      if (list >= 0) listsHaveMore[list] = this.listHasMore();
      else this.skipValue();
      if (field >= 0) {
        ranges[2 * field] = from;
        ranges[2 * field + 1] = this.i;
      }
    });
  }

  /** Scans an embedded list object (at its '{'), returning its has_more. */
  private listHasMore(): boolean {
    const { s } = this;
    let hasMore = false;
    this.eachMember((keyFrom, keyTo) => {
      const from = this.i;
      this.skipValue();
      if (keyTo - keyFrom === HAS_MORE.length && bytesEqual(s, keyFrom, HAS_MORE)) hasMore = s[from] === 0x74; // t(rue)
    });
    return hasMore;
  }

  /** Moves past the string at i (at its opening quote). */
  private skipString(): void {
    const { s } = this;
    if (s[this.i] !== QUOTE) throw this.error('expected a string');
    const close = closingQuote(s, this.i);
    if (close < 0) throw this.error('unterminated string');
    this.i = close + 1;
  }

  /** Moves past the value at i. */
  private skipValue(): void {
    const { s, n } = this;
    let i = this.i;
    const first = s[i];
    if (first === QUOTE) {
      this.skipString();
      return;
    }
    if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
      // A number or a literal: up to the next delimiter.
      for (;;) {
        if (i >= n) break;
        const c = s[i]!;
        if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c <= 0x20) break;
        i++;
      }
      this.i = i;
      return;
    }
    let depth = 0;
    for (;;) {
      if (i >= n) throw this.error('unterminated value');
      const c = s[i];
      if (c === QUOTE) {
        i = closingQuote(s, i);
        if (i < 0) throw this.error('unterminated string');
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--depth === 0) {
          this.i = i + 1;
          return;
        }
      }
      i++;
    }
  }

  private space(): void {
    const { s } = this;
    let i = this.i;
    for (;;) {
      const c = s[i];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.i = i;
  }

  private error(what: string): SyntaxError {
    return new SyntaxError(`A Stripe list page could not be split at character ${this.i}: ${what}.`);
  }
}

/** The index of the quote closing the string that opens at `open`, or -1. */
function closingQuote(s: Buffer, open: number): number {
  let close = s.indexOf(QUOTE, open + 1);
  // A quote preceded by an odd number of backslashes is escaped.
  while (close > 0 && s[close - 1] === BACKSLASH) {
    let slashes = 1;
    while (s[close - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) break;
    close = s.indexOf(QUOTE, close + 1);
  }
  return close;
}

const HAS_MORE = Buffer.from('has_more');

function bytesEqual(s: Buffer, from: number, expected: Buffer): boolean {
  for (let k = 0; k < expected.length; k++) if (s[from + k] !== expected[k]) return false;
  return true;
}

/** The index of the key s[from, to) among names (ASCII, compared without decoding), or -1. */
function matchKey(s: Buffer, from: number, to: number, names: readonly Buffer[]): number {
  const length = to - from;
  for (let k = 0; k < names.length; k++) {
    const name = names[k]!;
    if (name.length === length && bytesEqual(s, from, name)) return k;
  }
  return -1;
}

function rangesRelativeTo(ranges: Int32Array, start: number): Int32Array {
  for (let k = 0; k < ranges.length; k++) if (ranges[k]! >= 0) ranges[k] = ranges[k]! - start;
  return ranges;
}
