import type { Billing } from './billing/billing.js';
import { TXN_CATEGORIES } from './model.js';
import { hash32 } from './random.js';
import type { AccountStore } from './store.js';
import { DAY } from './time.js';

const WEEK = 7 * DAY;
/** 1970-01-05 was a Monday: weeks run Monday to Monday, UTC. */
const MONDAY = 4 * DAY;
const PAYOUT = TXN_CATEGORIES.indexOf('payout');

export interface PayoutState {
  lastPaidWeek: number;
  /** Net balance movement per week, not yet paid out. */
  buckets: Map<number, number>;
  /** Balance transactions already counted into buckets. */
  counted: number;
  /** Payouts whose arrival (and payout.paid event) is still in the future. */
  pendingPaid: number[];
}

function weekOf(unix: number): number {
  return Math.floor((unix - MONDAY) / WEEK);
}

/**
 * Weekly automatic payouts: each Wednesday the account pays out the net of the
 * previous Monday-to-Monday week, when positive. The revenue report must ignore
 * them except for fees (they carry none).
 */
export function runPayouts(store: AccountStore, billing: Billing, state: PayoutState, until: number): void {
  const c = store.balanceTransactions.c;
  const total = store.balanceTransactions.length;
  for (let txn = state.counted; txn < total; txn++) {
    if (c.category[txn] === PAYOUT) continue;
    const week = weekOf(c.created[txn]!);
    state.buckets.set(week, (state.buckets.get(week) ?? 0) + c.amount[txn]! - c.fee[txn]!);
  }
  state.counted = total;
  if (state.lastPaidWeek < 0) state.lastPaidWeek = weekOf(store.settings.accountCreated) - 1;

  for (const payout of state.pendingPaid.splice(0)) emitPaid(store, payout, until, state);

  for (let week = state.lastPaidWeek + 1; ; week++) {
    const at = MONDAY + (week + 1) * WEEK + 2 * DAY + (hash32(store.settings.seed, week) % 7200);
    if (at > until) break;
    state.lastPaidWeek = week;
    const amount = state.buckets.get(week) ?? 0;
    state.buckets.delete(week);
    if (amount <= 0) continue;
    const idx = store.payouts.length;
    const txn = billing.newTransaction('payout', 'payout', idx, -amount, 0, null, at);
    store.payouts.push({ idx, amount, created: at, arrivalDate: at + 2 * DAY, balanceTransaction: txn });
    state.counted = store.balanceTransactions.length;
    store.emit('payout.created', 'payout', idx, at);
    emitPaid(store, idx, until, state);
  }
}

function emitPaid(store: AccountStore, payout: number, until: number, state: PayoutState): void {
  const arrival = store.payouts[payout]!.arrivalDate;
  if (arrival <= until) store.emit('payout.paid', 'payout', payout, arrival);
  else state.pendingPaid.push(payout);
}
