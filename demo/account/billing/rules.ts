import type { SubscriptionState } from '../model.js';
import { DAY, HOUR } from '../time.js';

/** Payment attempts of a renewal invoice: the first, then retries 3, 5 and 7 more days later (Stripe's smart-retry style schedule). */
export const RETRY_OFFSETS = [0, 3 * DAY, 8 * DAY, 15 * DAY];
/** An incomplete subscription expires when its first invoice stays unpaid this long. */
export const INCOMPLETE_EXPIRY = 23 * HOUR;
/** Renewal invoices stay drafts this long before they are finalized and charged. */
export const DRAFT_DELAY = HOUR;

export interface LineDraft {
  kind: 'subscription' | 'proration' | 'invoiceitem';
  subscriptionItem: number;
  price: number;
  quantity: number;
  amount: number;
  periodStart: number;
  periodEnd: number;
  invoiceItem: number;
  trial: boolean;
}

export interface DesiredItem {
  price: number;
  quantity: number;
}

export interface CancellationDetails {
  reason: string | null;
  feedback: string | null;
  comment: string | null;
}

export function copySubscriptionState(s: SubscriptionState): SubscriptionState {
  return { ...s, items: s.items.map((item) => ({ ...item })), discounts: [...s.discounts], cancellation: { ...s.cancellation } };
}

/** A card as the scenario API describes one. */
export interface CardDetails {
  expMonth: number;
  expYear: number;
  brand: string;
  last4: string;
  country: string;
  funding: string;
}

export function isEnded(status: SubscriptionState['status']): boolean {
  return status === 'canceled' || status === 'incomplete_expired';
}
