/** Query parameters in Stripe's form encoding: `created[gte]=1`, `expand[]=a`, `expand[0]=a`. */
export interface QueryParams {
  /** Plain values, and bracketed object members as `name[key]`. */
  readonly values: Map<string, string>;
  /** Array parameters (`expand[]`, `expand[0]`, `types[1]`), in index order. */
  readonly arrays: Map<string, string[]>;
  /** Every top-level name that appeared. */
  readonly names: Set<string>;
}

export function parseQuery(search: string): QueryParams {
  const values = new Map<string, string>();
  const indexed = new Map<string, Array<{ index: number; order: number; value: string }>>();
  const names = new Set<string>();
  let order = 0;
  for (const [rawKey, value] of new URLSearchParams(search)) {
    const match = /^([^[\]]+)\[([^[\]]*)\]$/.exec(rawKey);
    if (!match) {
      values.set(rawKey, value);
      names.add(rawKey);
      continue;
    }
    const name = match[1]!;
    const inner = match[2]!;
    names.add(name);
    if (inner === '' || /^\d+$/.test(inner)) {
      const list = indexed.get(name) ?? [];
      // `expand[]` entries keep their order of appearance; `expand[3]` sorts by its index.
      list.push({ index: inner === '' ? list.length : Number(inner), order: order++, value });
      indexed.set(name, list);
    } else {
      values.set(`${name}[${inner}]`, value);
    }
  }
  const arrays = new Map<string, string[]>();
  for (const [name, list] of indexed) arrays.set(name, list.sort((a, b) => a.index - b.index || a.order - b.order).map((entry) => entry.value));
  return { values, arrays, names };
}
