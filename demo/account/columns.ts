/**
 * A growable table of typed-array columns. The high-volume objects (invoices,
 * lines, charges, balance transactions, events) live here rather than as JS
 * objects: a 200,000-customer account holds millions of them, and typed arrays
 * cost a few bytes a field and nothing to the garbage collector.
 */
export type ColumnType = 'i32' | 'u32' | 'u8' | 'f64';

type ArrayOf<T extends ColumnType> = T extends 'i32' ? Int32Array : T extends 'u32' ? Uint32Array : T extends 'u8' ? Uint8Array : Float64Array;

export type ColumnSpec = Record<string, ColumnType>;

const CONSTRUCTORS = { i32: Int32Array, u32: Uint32Array, u8: Uint8Array, f64: Float64Array } as const;

export class Columns<S extends ColumnSpec> {
  length = 0;
  private capacity: number;
  /** The columns; re-read after `add()`, which may replace them when growing. */
  c: { [K in keyof S]: ArrayOf<S[K]> };
  private readonly defaults: Array<[keyof S, number]>;

  constructor(
    private readonly spec: S,
    defaults: Partial<Record<keyof S, number>> = {},
    initialCapacity = 256,
  ) {
    this.capacity = initialCapacity;
    this.c = this.allocate(initialCapacity);
    this.defaults = Object.entries(defaults).filter(([, v]) => v !== 0 && v !== undefined) as Array<[keyof S, number]>;
  }

  private allocate(capacity: number): { [K in keyof S]: ArrayOf<S[K]> } {
    const columns = {} as Record<keyof S, ArrayOf<ColumnType>>;
    for (const name of Object.keys(this.spec) as Array<keyof S>) {
      const type = this.spec[name]!;
      const Ctor = CONSTRUCTORS[type];
      columns[name] = new Ctor(capacity) as ArrayOf<ColumnType>;
    }
    return columns as { [K in keyof S]: ArrayOf<S[K]> };
  }

  /** Appends a row (zeros, or the declared defaults) and returns its index. */
  add(): number {
    if (this.length === this.capacity) {
      const capacity = this.capacity * 2;
      const next = this.allocate(capacity);
      for (const name of Object.keys(this.spec) as Array<keyof S>) (next[name] as ArrayOf<ColumnType>).set(this.c[name] as never);
      this.c = next;
      this.capacity = capacity;
    }
    const row = this.length++;
    for (const [name, value] of this.defaults) (this.c[name] as ArrayOf<ColumnType>)[row] = value;
    return row;
  }

  /** Bytes held by the columns (capacity, not length). */
  bytes(): number {
    let total = 0;
    for (const name of Object.keys(this.spec) as Array<keyof S>) total += (this.c[name] as ArrayOf<ColumnType>).byteLength;
    return total;
  }
}
