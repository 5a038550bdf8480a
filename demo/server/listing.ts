import { EXPANDABLE, type AccountView, type CollectionSpec, type ExpandSchema } from '../account/collections.js';
import type { Kind } from '../account/kinds.js';
import { expandTree, type Expand, type Json } from '../account/render/context.js';
import { ApiError, invalidParam, noSuch, unknownParam } from './errors.js';
import type { QueryParams } from './query.js';
import { ListText, type RenderCache } from './renderCache.js';

const CREATED_OPERATORS = ['gt', 'gte', 'lt', 'lte'] as const;
const MAX_EXPAND_DEPTH = 4;

export interface PageRequest {
  limit: number;
  startingAfter: string | undefined;
  endingBefore: string | undefined;
  expand: Expand;
}

export interface ListRequest extends PageRequest {
  /** Inclusive bounds on created. */
  createdFrom: number;
  createdTo: number;
  predicates: Array<(idx: number) => boolean>;
  customer: number | undefined;
}

function integer(value: string, param: string): number {
  if (!/^-?\d+$/.test(value)) throw invalidParam(param, `Invalid integer: ${value}`);
  return Number(value);
}

/** Checks that every name in the query is one this endpoint knows. */
export function checkParams(query: QueryParams, allowed: readonly string[]): void {
  for (const name of query.names) if (!allowed.includes(name)) throw unknownParam(name);
}

/** Validates `expand[]` against what the object kind can expand; list expansions start with `data.`. */
export function parseExpand(query: QueryParams, kind: Kind, list: boolean): Expand {
  const paths = query.arrays.get('expand') ?? [];
  if (query.values.has('expand')) paths.push(query.values.get('expand')!);
  const relative: string[] = [];
  for (const path of paths) {
    const parts = path.split('.');
    if (list) {
      if (parts[0] !== 'data' || parts.length < 2) throw invalidParam('expand', `This property cannot be expanded (${path}). List expansions start with data., e.g. data.customer.`);
      parts.shift();
    }
    if (parts.length > MAX_EXPAND_DEPTH) throw invalidParam('expand', `You cannot expand more than ${MAX_EXPAND_DEPTH} levels of a property (${path}).`);
    let schema: ExpandSchema | undefined = EXPANDABLE[kind];
    for (const part of parts) {
      const next: Kind | ExpandSchema | undefined = schema?.[part];
      if (next === undefined) throw invalidParam('expand', `This property cannot be expanded (${path}).`);
      schema = typeof next === 'string' ? EXPANDABLE[next] : next;
    }
    relative.push(parts.join('.'));
  }
  return expandTree(relative);
}

function parseLimit(query: QueryParams): number {
  const raw = query.values.get('limit');
  if (raw === undefined) return 10;
  const limit = integer(raw, 'limit');
  if (limit < 1) throw invalidParam('limit', 'This value must be greater than or equal to 1.');
  if (limit > 100) throw invalidParam('limit', 'This value must be less than or equal to 100.');
  return limit;
}

export function parsePage(query: QueryParams, kind: Kind, expandList = true): PageRequest {
  const startingAfter = query.values.get('starting_after') || undefined;
  const endingBefore = query.values.get('ending_before') || undefined;
  if (startingAfter && endingBefore) throw invalidParam('starting_after', 'You may only specify one of these parameters: ending_before, starting_after.');
  return { limit: parseLimit(query), startingAfter, endingBefore, expand: parseExpand(query, kind, expandList) };
}

export function parseList(view: AccountView, spec: CollectionSpec, query: QueryParams, extra: readonly string[] = []): ListRequest {
  checkParams(query, ['limit', 'starting_after', 'ending_before', 'created', 'expand', ...Object.keys(spec.filters), ...extra]);
  const page = parsePage(query, spec.kind);
  let createdFrom = 0;
  let createdTo = 2 ** 32 - 1;
  if (query.values.has('created')) {
    const at = integer(query.values.get('created')!, 'created');
    createdFrom = at;
    createdTo = at;
  }
  for (const key of query.values.keys()) {
    if (!key.startsWith('created[')) continue;
    const op = key.slice(8, -1);
    if (!(CREATED_OPERATORS as readonly string[]).includes(op)) throw unknownParam(key);
    const value = integer(query.values.get(key)!, key);
    if (op === 'gt') createdFrom = Math.max(createdFrom, value + 1);
    if (op === 'gte') createdFrom = Math.max(createdFrom, value);
    if (op === 'lt') createdTo = Math.min(createdTo, value - 1);
    if (op === 'lte') createdTo = Math.min(createdTo, value);
  }
  if (query.arrays.has('created')) throw invalidParam('created', 'Invalid created: must be an integer or a hash of gt, gte, lt, lte.');

  const predicates: Array<(idx: number) => boolean> = [];
  let customer: number | undefined;
  for (const [param, build] of Object.entries(spec.filters)) {
    const value = query.values.get(param);
    if (value === undefined) continue;
    if (param === 'customer' && spec.customerOf) {
      const idx = view.store.lookup('customer', value);
      customer = idx === undefined ? -1 : idx;
      continue;
    }
    const predicate = build(value, view.store);
    if (typeof predicate !== 'function') throw invalidParam(param, predicate.error);
    predicates.push(predicate);
  }
  // events: `types[]=a&types[]=b`, any of several types.
  const types = query.arrays.get('types');
  if (types && spec.filters['type']) {
    const any = types.map((type) => spec.filters['type']!(type, view.store)).filter((p): p is (idx: number) => boolean => typeof p === 'function');
    predicates.push((idx) => any.some((p) => p(idx)));
  }
  if (spec.defaultFilter && !query.values.has(spec.defaultFilter.param)) {
    const { keep } = spec.defaultFilter;
    const store = view.store;
    predicates.push((idx) => keep(store, idx));
  }
  return { ...page, createdFrom, createdTo, predicates, customer };
}

/**
 * One page of a top-level list, newest first like Stripe: created descending,
 * ties by the order the objects were made (the later first). A cursor names an
 * object; the page holds the objects just older (`starting_after`) or just newer
 * (`ending_before`) than it.
 */
export function listPage(view: AccountView, spec: CollectionSpec, request: ListRequest, url: string, cache?: RenderCache): Json | ListText {
  const index = view.index(spec.name);
  const store = view.store;
  let lo = index.lowerBound(request.createdFrom);
  let hi = index.lowerBound(request.createdTo + 1);
  if (spec.retention !== undefined) lo = Math.max(lo, index.lowerBound(store.now - spec.retention));

  const cursorId = request.startingAfter ?? request.endingBefore;
  if (cursorId !== undefined) {
    const param = request.startingAfter !== undefined ? 'starting_after' : 'ending_before';
    const idx = store.lookup(spec.kind, cursorId);
    const position = idx === undefined ? -1 : index.positionOf[idx]!;
    if (position < 0) throw noSuch(spec.kind, cursorId, param, 400);
    if (request.startingAfter !== undefined) hi = Math.min(hi, position);
    else lo = Math.max(lo, position + 1);
  }

  // Candidate positions: the whole range, or one customer's rows in it.
  let candidates: Int32Array | null = null;
  if (request.customer !== undefined) candidates = request.customer < 0 ? new Int32Array(0) : index.positionsOfCustomer(request.customer);
  const predicates = spec.listed ? [(idx: number) => spec.listed!(store, idx), ...request.predicates] : request.predicates;
  const matches = (position: number) => {
    const idx = index.order[position]!;
    for (const predicate of predicates) if (!predicate(idx)) return false;
    return true;
  };

  const found: number[] = [];
  const wanted = request.limit + 1;
  const forward = request.endingBefore !== undefined;
  if (candidates) {
    const from = lowerBoundIn(candidates, lo);
    const to = lowerBoundIn(candidates, hi);
    if (forward) for (let i = from; i < to && found.length < wanted; i++) { if (matches(candidates[i]!)) found.push(candidates[i]!); }
    else for (let i = to - 1; i >= from && found.length < wanted; i--) { if (matches(candidates[i]!)) found.push(candidates[i]!); }
  } else if (forward) {
    for (let p = lo; p < hi && found.length < wanted; p++) if (matches(p)) found.push(p);
  } else {
    for (let p = hi - 1; p >= lo && found.length < wanted; p--) if (matches(p)) found.push(p);
  }
  const hasMore = found.length > request.limit;
  const page = found.slice(0, request.limit);
  if (forward) page.reverse();
  const ctx = view.context();
  if (cache) {
    const variant = JSON.stringify(request.expand);
    return new ListText(page.map((position) => cache.text(spec.kind, index.order[position]!, variant, () => spec.render(ctx, index.order[position]!, request.expand))), hasMore, url);
  }
  const data = page.map((position) => spec.render(ctx, index.order[position]!, request.expand));
  return { object: 'list', data, has_more: hasMore, url };
}

function lowerBoundIn(sorted: Int32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One page of a sub-list held in display order (invoice lines, subscription
 * items: oldest first, like Stripe), with the same cursor rules.
 */
export function arrayPage<T>(rows: readonly T[], idOf: (row: T) => string, kind: Kind, request: PageRequest, render: (row: T) => Json, url: string): Json {
  let from = 0;
  let to = rows.length;
  const cursorId = request.startingAfter ?? request.endingBefore;
  if (cursorId !== undefined) {
    const at = rows.findIndex((row) => idOf(row) === cursorId);
    if (at < 0) throw noSuch(kind, cursorId, request.startingAfter !== undefined ? 'starting_after' : 'ending_before', 400);
    if (request.startingAfter !== undefined) from = at + 1;
    else to = at;
  }
  let slice: readonly T[];
  let hasMore: boolean;
  if (request.endingBefore !== undefined) {
    const start = Math.max(from, to - request.limit);
    slice = rows.slice(start, to);
    hasMore = start > from;
  } else {
    slice = rows.slice(from, Math.min(to, from + request.limit));
    hasMore = from + request.limit < to;
  }
  return { object: 'list', data: slice.map(render), has_more: hasMore, url };
}

export { ApiError };
