import { z } from 'zod';

/**
 * Cell parsers, one per kind of field. Each is a zod schema from the cell's
 * text to the typed value (null for an empty cell); a value that does not
 * parse fails with a message that becomes the issue's reason. Nothing is
 * guessed beyond what is written here: a false value is worse than a NULL.
 */

/** Options that depend on the file rather than the cell. */
export interface CellContext {
  /** `,` for files that write 1.234,56 (semicolon-separated exports from European spreadsheets), else `.`. */
  readonly decimalSeparator: '.' | ',';
}

/** zod's own email pattern; nativeLoad.ts hands it to DuckDB, so both readers accept the same addresses. */
export const asciiEmailPattern: RegExp = z.regexes.email;
const asciiEmail = z.email({ pattern: asciiEmailPattern });
// z.email() is ASCII-only; an address with non-ASCII letters (jürgen@例え.jp) is checked for shape only.
const unicodeEmailShape = /^[^\s@"(),:;<>[\]\\]+@(?:[^\s@"(),:;<>[\]\\.]+\.)+[^\s@"(),:;<>[\]\\.]{2,}$/u;

/** metrics.md: trimmed and lower-cased, nothing else rewritten. */
export function normalizeEmail(value: string): string {
  return value.trim().toLowerCase();
}

export function isEmail(normalized: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7F]*$/.test(normalized) ? asciiEmail.safeParse(normalized).success : unicodeEmailShape.test(normalized);
}

/**
 * Free text (names, owners, stages) cannot be invalid, only blank: it is
 * trimmed without a schema, since a zod parse per cell would cost a tenth of
 * the import for nothing.
 */
export function trimToNull(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** A web domain from a domain or URL cell: `https://www.Acme.com/about` is `acme.com`. */
export const domainCell = z.string().transform((value) => {
  const host = value.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/[/?#].*$/, '').replace(/^www\./, '');
  return host === '' ? null : host;
});

/** The first id of a `;` or `,` separated list (HubSpot's `Associated Company IDs`). */
export const firstIdCell = z.string().transform((value) => splitList(value)[0] ?? null);

export const emailCell = z.string().transform((value, ctx) => {
  const email = normalizeEmail(value);
  if (email === '') return null;
  // Old Pipedrive exports join a person's addresses in one cell: the first is the person's.
  const first = /[,;]/.test(email) ? splitList(email)[0]! : email;
  if (!isEmail(first)) {
    ctx.addIssue({ code: 'custom', message: 'not a valid email address' });
    return z.NEVER;
  }
  return first;
});

export const idListCell = z.string().transform((value) => {
  const ids = splitList(value);
  return ids.length ? ids : null;
});

/**
 * Email addresses named in a cell, however it wraps them: `a@x.com; b@y.com`
 * (Pipedrive) or `Ann Lee (ann@x.com);Bo Ek (bo@y.com)` (HubSpot's
 * `Associated Contact`).
 */
export const emailListCell = z.string().transform((value, ctx) => {
  const tokens = value.match(/[^\s,;()<>"]+@[^\s,;()<>"]*/g) ?? [];
  const emails: string[] = [];
  for (const token of tokens) {
    const email = normalizeEmail(token);
    if (isEmail(email)) emails.push(email);
    else ctx.addIssue({ code: 'custom', message: `'${token}' is not a valid email address` });
  }
  return emails.length ? [...new Set(emails)] : null;
});

/** Names in a `;` separated cell, without HubSpot's `(email)` suffixes. */
export const nameListCell = z.string().transform((value) => {
  const names = value
    .split(';')
    .map((part) => part.replace(/\s*\([^()]*@[^()]*\)\s*$/, '').trim())
    .filter((name) => name !== '');
  return names.length ? names : null;
});

export const currencyCell = z.string().transform((value, ctx) => {
  const code = value.trim().toLowerCase();
  if (code === '') return null;
  if (!/^[a-z]{3}$/.test(code)) {
    ctx.addIssue({ code: 'custom', message: 'not a three-letter ISO currency code' });
    return z.NEVER;
  }
  return code;
});

/** An instant as ISO 8601 UTC. Times without a zone are read as UTC: exports rarely say which zone they use. */
export const instantCell = z.string().transform((value, ctx) => {
  const text = value.trim();
  if (text === '') return null;
  const parts = parseDateTime(text);
  if (!parts) {
    ctx.addIssue({ code: 'custom', message: 'not a date we can read (expected e.g. 2024-03-15, 2024-03-15 14:02, 3/15/2024 2:02 PM, 15.03.2024)' });
    return z.NEVER;
  }
  return new Date(Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second, parts.millisecond) - parts.offsetMinutes * 60_000).toISOString();
});

/** A calendar date, YYYY-MM-DD, as written (a time part is ignored, not shifted between zones). */
export const dateCell = z.string().transform((value, ctx) => {
  const text = value.trim();
  if (text === '') return null;
  const parts = parseDateTime(text);
  if (!parts) {
    ctx.addIssue({ code: 'custom', message: 'not a date we can read (expected e.g. 2024-03-15, 3/15/2024, 15.03.2024)' });
    return z.NEVER;
  }
  return `${String(parts.year).padStart(4, '0')}-${pad2(parts.month)}-${pad2(parts.day)}`;
});

interface DateTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  offsetMinutes: number;
}

const isoPattern = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const slashPattern = /^(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?$/i;
const dottedPattern = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * The date formats CRM exports write: ISO (HubSpot, Pipedrive, Salesforce's
 * API names, with or without zone), US month/day/year with an optional 12- or
 * 24-hour time (Salesforce reports), day.month.year (European locales), and
 * epoch milliseconds. A slashed date is month first unless the first number
 * cannot be a month.
 */
export function parseDateTime(text: string): DateTimeParts | null {
  let parts: DateTimeParts | null = null;
  let match: RegExpExecArray | null;
  if ((match = isoPattern.exec(text))) {
    parts = {
      year: Number(match[1]),
      month: Number(match[2]),
      day: Number(match[3]),
      hour: Number(match[4] ?? 0),
      minute: Number(match[5] ?? 0),
      second: Number(match[6] ?? 0),
      millisecond: match[7] ? Math.floor(Number(`0.${match[7]}`) * 1000) : 0,
      offsetMinutes: zoneOffset(match[8]),
    };
  } else if ((match = slashPattern.exec(text))) {
    const first = Number(match[1]);
    const second = Number(match[2]);
    const dayFirst = first > 12;
    let hour = Number(match[4] ?? 0);
    const meridiem = match[7]?.toUpperCase();
    if (meridiem) {
      if (hour < 1 || hour > 12) return null;
      hour = (hour % 12) + (meridiem === 'PM' ? 12 : 0);
    }
    parts = {
      year: twoDigitYear(match[3]!),
      month: dayFirst ? second : first,
      day: dayFirst ? first : second,
      hour,
      minute: Number(match[5] ?? 0),
      second: Number(match[6] ?? 0),
      millisecond: 0,
      offsetMinutes: 0,
    };
  } else if ((match = dottedPattern.exec(text))) {
    parts = {
      year: Number(match[3]),
      month: Number(match[2]),
      day: Number(match[1]),
      hour: Number(match[4] ?? 0),
      minute: Number(match[5] ?? 0),
      second: Number(match[6] ?? 0),
      millisecond: 0,
      offsetMinutes: 0,
    };
  } else if (/^\d{13}$/.test(text)) {
    const date = new Date(Number(text));
    parts = {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
      second: date.getUTCSeconds(),
      millisecond: date.getUTCMilliseconds(),
      offsetMinutes: 0,
    };
  }
  return parts && isRealDate(parts) ? parts : null;
}

function zoneOffset(zone: string | undefined): number {
  if (!zone || /^(Z|UTC|GMT)$/i.test(zone)) return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0));
}

function twoDigitYear(text: string): number {
  const year = Number(text);
  if (text.length === 4) return year;
  return year < 70 ? 2000 + year : 1900 + year;
}

function isRealDate(parts: DateTimeParts): boolean {
  if (parts.year < 1900 || parts.year > 2999) return false;
  if (parts.month < 1 || parts.month > 12 || parts.day < 1) return false;
  if (parts.hour > 23 || parts.minute > 59 || parts.second > 59) return false;
  const daysInMonth = new Date(Date.UTC(parts.year, parts.month, 0)).getUTCDate();
  return parts.day <= daysInMonth;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

// Stripe's lists: currencies without minor units, and those with three decimals.
const zeroDecimalCurrencies = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);
const threeDecimalCurrencies = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

export function minorUnitDigits(currency: string | null): number {
  if (currency && zeroDecimalCurrencies.has(currency)) return 0;
  if (currency && threeDecimalCurrencies.has(currency)) return 3;
  return 2;
}

export interface ParsedAmount {
  /** Integer minor units. */
  readonly minor: number;
  /** A currency code written in the cell itself (`USD 1,500.00`), when there was one. */
  readonly currency: string | null;
}

/**
 * A money amount into integer minor units: `1500`, `1,500.00`, `$1,500.00`,
 * `1.500,00 €`, `(250.00)`, `EUR 99`. A lone separator followed by exactly
 * three digits is a thousands separator unless it is the file's decimal
 * separator. More decimals than the currency has is an error, not a rounding.
 */
export function parseAmount(text: string, currency: string | null, context: CellContext): ParsedAmount | string {
  let rest = text.trim().replace(/[\s\u00A0\u202F\u2009']/g, '');
  let negative = false;
  if (/^\(.*\)$/.test(rest)) {
    negative = true;
    rest = rest.slice(1, -1);
  }
  let written: string | null = null;
  const code = /^([A-Za-z]{3})(?=[-+\d.,$€£¥₹])|(?<=[\d.,])([A-Za-z]{3})$/.exec(rest);
  if (code) {
    written = (code[1] ?? code[2]!).toLowerCase();
    rest = rest.replace(code[0], '');
  }
  rest = rest.replace(/^[$€£¥₹]|[$€£¥₹]$/g, '');
  if (rest.startsWith('-')) {
    negative = !negative;
    rest = rest.slice(1);
  } else if (rest.startsWith('+')) {
    rest = rest.slice(1);
  }
  rest = rest.replace(/^[$€£¥₹]/, '');
  if (!/^[\d.,]+$/.test(rest) || !/\d/.test(rest)) return 'not an amount we can read (expected e.g. 1500, 1,500.00 or 1.500,00)';
  const decimal = decimalSeparatorOf(rest, context.decimalSeparator);
  const thousands = decimal === '.' ? ',' : '.';
  const [whole = '', fraction = '', extra] = rest.split(thousands).join('').split(decimal);
  if (extra !== undefined || (whole === '' && fraction === '')) return 'not an amount we can read (expected e.g. 1500, 1,500.00 or 1.500,00)';
  const effectiveCurrency = currency ?? written;
  const digits = minorUnitDigits(effectiveCurrency);
  const significantFraction = fraction.replace(/0+$/, '');
  if (significantFraction.length > digits) {
    return `has more decimals than ${effectiveCurrency ? effectiveCurrency.toUpperCase() : 'an amount in cents'} allows`;
  }
  const minor = Number(`${whole || '0'}${significantFraction.padEnd(digits, '0')}`);
  if (!Number.isSafeInteger(minor)) return 'is too large an amount';
  return { minor: negative && minor !== 0 ? -minor : minor, currency: written };
}

function decimalSeparatorOf(text: string, preferred: '.' | ','): '.' | ',' {
  const lastDot = text.lastIndexOf('.');
  const lastComma = text.lastIndexOf(',');
  if (lastDot >= 0 && lastComma >= 0) return lastDot > lastComma ? '.' : ',';
  const separator = lastDot >= 0 ? '.' : lastComma >= 0 ? ',' : null;
  if (!separator) return preferred;
  const occurrences = text.split(separator).length - 1;
  if (occurrences > 1) return separator === '.' ? ',' : '.';
  if (separator === preferred) return separator;
  // 1,500 in a dot-decimal file is fifteen hundred; 1,5 is one and a half.
  return /^\d{3}$/.test(text.slice(text.lastIndexOf(separator) + 1)) ? (separator === '.' ? ',' : '.') : separator;
}

export function splitList(value: string): string[] {
  return value
    .split(/[;,]/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
