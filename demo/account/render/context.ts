import { stateAt, type Versioned } from '../model.js';
import type { AccountStore } from '../store.js';

/** Requested expansions as a tree: `invoice_settings.default_payment_method` is invoice_settings -> default_payment_method. */
export type Expand = ReadonlyMap<string, Expand>;

export const NO_EXPAND: Expand = new Map();

export function expandTree(paths: readonly string[]): Expand {
  const root = new Map<string, Map<string, never>>();
  for (const path of paths) {
    let node: Map<string, unknown> = root;
    for (const part of path.split('.')) {
      let child = node.get(part) as Map<string, unknown> | undefined;
      if (!child) {
        child = new Map();
        node.set(part, child);
      }
      node = child;
    }
  }
  return root as unknown as Expand;
}

/** What every renderer needs: the store and the instant to render objects as of. */
export interface RenderContext {
  readonly store: AccountStore;
  /** Mutable objects show their state as of this instant (events render the past). */
  readonly asOf: number;
  /** One record shown in a given state (an event's object exactly as that event announced it). */
  readonly pinned?: { readonly record: Versioned<unknown>; readonly state: unknown };
}

/** The state a renderer shows for `record`: the pinned one, else the one as of the context's instant. */
export function stateOf<S>(ctx: RenderContext, record: Versioned<S>): S {
  if (ctx.pinned && ctx.pinned.record === record) return ctx.pinned.state as S;
  return stateAt(record, ctx.asOf);
}

export type Json = Record<string, unknown>;

/** An id, or the object itself when the field is expanded. */
export function idOr(expand: Expand, key: string, id: string | null, render: (nested: Expand) => Json): string | Json | null {
  if (id === null) return null;
  const nested = expand.get(key);
  return nested ? render(nested) : id;
}

export const EMPTY_ADDRESS = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

const SYMBOLS: Record<string, string> = { usd: '$', eur: '€', gbp: '£', jpy: '¥', cad: 'CA$', aud: 'A$', chf: 'CHF ', sek: 'SEK ' };

/** "$50.00", "¥1,000": how Stripe writes amounts in line descriptions (by hand: Intl is slow on hot paths). */
export function formatMoney(amount: number, currency: string, zeroDecimal: boolean): string {
  const negative = amount < 0;
  const minor = Math.abs(amount);
  const whole = zeroDecimal ? minor : Math.floor(minor / 100);
  let digits = String(whole);
  for (let i = digits.length - 3; i > 0; i -= 3) digits = `${digits.slice(0, i)},${digits.slice(i)}`;
  const cents = zeroDecimal ? '' : `.${String(minor % 100).padStart(2, '0')}`;
  return `${negative ? '-' : ''}${SYMBOLS[currency] ?? `${currency.toUpperCase()} `}${digits}${cents}`;
}

/** A list envelope as Stripe embeds one. */
export function listOf(data: unknown[], hasMore: boolean, url: string): Json {
  return { object: 'list', data, has_more: hasMore, url };
}
