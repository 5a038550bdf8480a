import { UsageError } from '../../errors/index.js';

/** A moment as scenario code writes it: an ISO date or instant, a Date, or unix seconds. */
export type TimeInput = string | number | Date;

export type Interval = 'day' | 'week' | 'month' | 'year';

export const DAY = 86_400;
export const HOUR = 3_600;

/** Unix seconds of a scenario moment; a bare date means midnight UTC. */
export function toUnix(input: TimeInput, what: string): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new UsageError(`The time of ${what} must be a finite number of unix seconds (got ${input}).`);
    return Math.floor(input);
  }
  if (input instanceof Date) {
    const ms = input.getTime();
    if (Number.isNaN(ms)) throw new UsageError(`The time of ${what} is an invalid Date.`);
    return Math.floor(ms / 1000);
  }
  const text = /^\d{4}-\d{2}-\d{2}$/.test(input) ? `${input}T00:00:00Z` : input;
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(input)) {
    throw new UsageError(`The time of ${what} must be an ISO 8601 date or instant such as 2025-01-10 or 2025-01-10T12:00:00Z (got ${JSON.stringify(input)}).`);
  }
  return Math.floor(ms / 1000);
}

export function isoOf(unix: number): string {
  return new Date(unix * 1000).toISOString().replace('.000Z', 'Z');
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/**
 * `anchor` moved by `count` intervals the way Stripe bills: months keep the
 * anchor's day of month, clamped to the month's last day (Jan 31 -> Feb 28 ->
 * Mar 31), and the time of day. Always computed from the anchor, never by
 * stepping, so clamping never drifts.
 */
export function addInterval(anchor: number, interval: Interval, count: number): number {
  if (interval === 'day') return anchor + count * DAY;
  if (interval === 'week') return anchor + count * 7 * DAY;
  const months = interval === 'year' ? count * 12 : count;
  const date = new Date(anchor * 1000);
  const total = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month0 = total - year * 12;
  const day = Math.min(date.getUTCDate(), daysInMonth(year, month0));
  const ms = Date.UTC(year, month0, day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds());
  return Math.floor(ms / 1000);
}

/** Index of the calendar month of `unix` counted from January 1970 (used to key monthly drifts). */
export function monthIndex(unix: number): number {
  const date = new Date(unix * 1000);
  return date.getUTCFullYear() * 12 + date.getUTCMonth() - 1970 * 12;
}

/** Start of the UTC day of `unix`. */
export function startOfDay(unix: number): number {
  return unix - (((unix % DAY) + DAY) % DAY);
}

/** "10 Mar 2025", the date format of Stripe's proration descriptions. */
export function shortDate(unix: number): string {
  const date = new Date(unix * 1000);
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][date.getUTCMonth()];
  return `${date.getUTCDate()} ${month} ${date.getUTCFullYear()}`;
}

/** The instant a card stops working: the end of its expiry month. */
export function cardExpiresAt(expMonth: number, expYear: number): number {
  return Math.floor(Date.UTC(expYear, expMonth, 1) / 1000);
}
