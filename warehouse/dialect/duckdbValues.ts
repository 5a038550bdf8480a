import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  TIMESTAMPTZ,
  VARCHAR,
  DuckDBTimestampTZValue,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

/**
 * Binds JS values as DuckDB parameters with explicit types. Left to itself the
 * client rejects a Date and binds a bigint as HUGEINT; integers become BIGINT so
 * comparisons with integer columns stay exact.
 */
export function toDuckDBParameters(values: readonly unknown[]): { values: DuckDBValue[]; types: DuckDBType[] } {
  const out: DuckDBValue[] = [];
  const types: DuckDBType[] = [];
  for (const value of values) {
    if (value === null || value === undefined) {
      out.push(null);
      types.push(VARCHAR);
    } else if (value instanceof Date) {
      out.push(new DuckDBTimestampTZValue(BigInt(value.getTime()) * 1000n));
      types.push(TIMESTAMPTZ);
    } else if (typeof value === 'bigint') {
      out.push(value);
      types.push(BIGINT);
    } else if (typeof value === 'number') {
      out.push(Number.isInteger(value) ? BigInt(value) : value);
      types.push(Number.isInteger(value) ? BIGINT : DOUBLE);
    } else if (typeof value === 'boolean') {
      out.push(value);
      types.push(BOOLEAN);
    } else if (typeof value === 'string') {
      out.push(value);
      types.push(VARCHAR);
    } else {
      // Objects and arrays travel as JSON text; the SQL casts them where needed.
      out.push(JSON.stringify(value));
      types.push(VARCHAR);
    }
  }
  return { values: out, types };
}

/**
 * Row values as the rest of the code wants them: safe integers as numbers
 * (counts, epoch seconds), larger ones kept as bigint rather than rounded.
 */
export function fromDuckDBRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[key] = normalizeValue(value);
  return out;
}

function normalizeValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  if (Array.isArray(value)) return value.map(normalizeValue);
  return value;
}
