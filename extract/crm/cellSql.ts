import { quoteLiteral } from '../../warehouse/bulkLoad.js';
import type { CrmField } from './types.js';
import { asciiEmailPattern } from './values.js';

/**
 * SQL twins of the cell parsers in values.ts, for files DuckDB reads itself
 * (nativeLoad.ts). Each twin computes a value only for cells whose value it
 * computes exactly as the zod schema would: the ordinary cells (`2024-03-15
 * 14:02`, `ada@example.com`, a name). Any other non-blank cell makes the row
 * `unsure`, and the row is handed to RowProcessor and its zod schemas. So zod
 * stays the one judge of a bad value and the one author of an issue; the SQL
 * only recognizes the plainly good. tests/extract/crmNativeLoad.test.ts holds
 * each twin to its schema.
 */

/**
 * The characters String.prototype.trim removes (ECMAScript's WhiteSpace and
 * LineTerminator). DuckDB's trim() removes spaces only; given this set it
 * trims as JavaScript does.
 */
export const javascriptWhitespace =
  '\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';

/**
 * `cell` trimmed as JavaScript trims. `cell` is a non-NULL VARCHAR expression.
 * DuckDB's trim with a character set costs microseconds a cell, so it runs
 * only on cells that begin or end with a control character, a space or a
 * non-ASCII character: the others have nothing to trim.
 */
export function trimmedSql(cell: string): string {
  const mayHaveSpace = (character: string): string => `(ascii(${character}) <= 32 or ascii(${character}) >= 160)`;
  return `(case when ${cell} = '' then '' when ${mayHaveSpace(cell)} or ${mayHaveSpace(`right(${cell}, 1)`)} then trim(${cell}, ${quoteLiteral(javascriptWhitespace)}) else ${cell} end)`;
}

const emailPattern = quoteLiteral(asciiEmailPattern.source.replace(/^\^|\$$/g, ''));
// The ISO forms values.ts's isoPattern reads, narrowed to two-digit parts, years 1900-2999 and real hours and minutes,
// with no zone or Z. DuckDB's cast then rejects impossible days (Feb 30), as isRealDate does.
const isoDatePattern = '(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}';
const isoInstantPattern = quoteLiteral(`${isoDatePattern}(?:[T ]([01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?Z?)?`);

/**
 * A twin: the typed value of a trimmed cell, or NULL. NULL for a non-blank
 * cell means "unsure" (see isUnsureSql); for a blank one, no value.
 */
type CellTwin = (trimmed: string) => string;

/** trimToNull: free text is never bad, only blank. */
const textTwin: CellTwin = (trimmed) => `nullif(${trimmed}, '')`;

/** Fields whose every non-blank cell goes to zod: amounts and lists are rarely plain enough to be worth a twin. */
const zodOnlyTwin: CellTwin = () => 'null';

const twins: Partial<Record<CrmField, CellTwin>> = {
  email: (trimmed) => `case when regexp_full_match(${trimmed}, ${emailPattern}) then lower(${trimmed}) end`,
  created_at: (trimmed) =>
    // Read as UTC, as instantCell reads a time without a zone.
    `case when regexp_full_match(${trimmed}, ${isoInstantPattern}) then timezone('UTC', try_cast(replace(rtrim(${trimmed}, 'Z'), 'T', ' ') as timestamp)) end`,
  close_date: (trimmed) => `case when regexp_full_match(${trimmed}, ${quoteLiteral(isoDatePattern)}) then try_cast(${trimmed} as date) end`,
  // firstIdCell: a single id (no `;` or `,`) is itself.
  company_id: (trimmed) => `case when not regexp_matches(${trimmed}, '[;,]') then nullif(${trimmed}, '') end`,
  // domainCell: a bare host name needs no scheme or path removed.
  domain: (trimmed) => `case when regexp_full_match(${trimmed}, '[A-Za-z0-9.-]*') then nullif(regexp_replace(lower(${trimmed}), '^www[.]', ''), '') end`,
  currency: (trimmed) => `case when regexp_full_match(${trimmed}, '[A-Za-z]{3}') then lower(${trimmed}) end`,
  amount: zodOnlyTwin,
  contact_ids: zodOnlyTwin,
  contact_emails: zodOnlyTwin,
  contact_names: zodOnlyTwin,
};

/** The SQL value of `field` read from one trimmed cell. */
export function cellValueSql(field: CrmField, trimmed: string): string {
  return (twins[field] ?? textTwin)(trimmed);
}

/**
 * Whether the twin was unsure of a cell: it is not blank, yet has no value.
 * Free text is never unsure. (A blank cell, whitespace only, is skipped by
 * RowProcessor too: no schema reports an issue on it.)
 */
export function isUnsureSql(field: CrmField, trimmed: string, value: string): string | null {
  if (!twins[field]) return null;
  return `(${trimmed} <> '' and ${value} is null)`;
}
