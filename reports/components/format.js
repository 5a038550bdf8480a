// Money formats for the reporting currency the build was given
// (VITE_TRIBUTARY_CURRENCY, set by `tributary reports`). Evidence has named
// formats for a few currencies; the rest get an Excel-style code with the ISO
// code as prefix.
const BUILT_IN = ['usd', 'aud', 'brl', 'cad', 'cny', 'eur', 'gbp', 'jpy', 'inr', 'krw', 'ngn', 'rub', 'sek'];
const ZERO_DECIMAL = ['jpy', 'krw', 'vnd', 'clp', 'isk', 'huf', 'twd', 'ugx', 'xof', 'xaf', 'pyg', 'kmf', 'gnf', 'rwf', 'bif', 'djf', 'mga', 'vuv', 'xpf'];

export const currency = (import.meta.env.VITE_TRIBUTARY_CURRENCY || 'usd').toLowerCase();
const builtIn = BUILT_IN.includes(currency);
const prefix = `"${currency.toUpperCase()} "`;
const zeroDecimal = ZERO_DECIMAL.includes(currency);

/** Exact amounts: cents shown (none for zero-decimal currencies). */
export const money = builtIn ? `${currency}${zeroDecimal ? '0' : '2'}` : `${prefix}#,##0${zeroDecimal ? '' : '.00'}`;
/** Whole units, for large figures. */
export const money0 = builtIn ? `${currency}0` : `${prefix}#,##0`;
/** Chart axes: Evidence's automatic format shortens thousands and millions as the values need. */
export const moneyAxis = builtIn ? currency : `${prefix}#,##0`;
/** The code as people read it, e.g. USD. */
export const currencyLabel = currency.toUpperCase();

/** A link to one customer's page; the id is looked up in the browser. */
export const customerHref = (id) => `/customer/?id=${encodeURIComponent(id)}`;
