import {
  DuckDBArrayValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  DuckDBUnionValue,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

/**
 * DuckDB values as plain data that prints the same everywhere (query output,
 * failing test rows): dates as YYYY-MM-DD, timestamps as ISO 8601, lists as
 * arrays, structs as objects, and numbers that a double cannot hold exactly
 * (decimals, big integers) kept as their exact text.
 */
export class ExactNumber {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type PlainValue = null | boolean | number | string | ExactNumber | PlainValue[] | { [key: string]: PlainValue };

export interface PlainResult {
  readonly columns: readonly string[];
  readonly types: readonly DuckDBType[];
  /** Rows in chunks as DuckDB produces them, so a large result never sits in memory whole. */
  readonly chunks: AsyncIterable<PlainValue[][]>;
}

export async function streamPlainRows(connection: DuckDBConnection, sql: string): Promise<PlainResult> {
  const result = await connection.stream(sql);
  const columns = result.columnNames();
  const types = result.columnTypes();
  async function* chunks(): AsyncGenerator<PlainValue[][]> {
    for await (const rows of result.yieldRows()) yield rows.map((row) => row.map((value, i) => plainValue(value, types[i])));
  }
  return { columns, types, chunks: chunks() };
}

/** At most `limit` rows as objects keyed by column name (failing test rows). */
export async function readPlainRows(connection: DuckDBConnection, sql: string, limit: number): Promise<{ columns: string[]; rows: Record<string, PlainValue>[] }> {
  const reader = await connection.runAndReadUntil(`select * from (${sql}) as rows_to_show limit ${limit}`, limit);
  const columns = reader.columnNames();
  const types = reader.columnTypes();
  const rows = reader.getRows().map((row) => Object.fromEntries(row.map((value, i) => [columns[i]!, plainValue(value, types[i])])));
  return { columns, rows };
}

export function plainValue(value: DuckDBValue, type?: DuckDBType): PlainValue {
  if (value === null) return null;
  if (typeof value === 'string') return type?.alias === 'JSON' ? parseJsonText(value) : value;
  if (typeof value === 'boolean' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : new ExactNumber(value.toString());
  if (value instanceof DuckDBDecimalValue) return new ExactNumber(value.toString());
  if (value instanceof DuckDBDateValue) return value.isFinite ? value.toString() : value.days > 0 ? 'infinity' : '-infinity';
  if (value instanceof DuckDBTimestampTZValue) return isoTimestamp(value.isFinite, value.micros, 6, 'Z');
  if (value instanceof DuckDBTimestampValue) return isoTimestamp(value.isFinite, value.micros, 6, '');
  if (value instanceof DuckDBTimestampMillisecondsValue) return isoTimestamp(value.isFinite, value.millis * 1000n, 6, '');
  if (value instanceof DuckDBTimestampSecondsValue) return isoTimestamp(value.isFinite, value.seconds * 1_000_000n, 6, '');
  if (value instanceof DuckDBTimestampNanosecondsValue) return isoTimestamp(value.isFinite, value.nanos, 9, '');
  if (value instanceof DuckDBIntervalValue) return isoDuration(value);
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) {
    const itemType = type && 'valueType' in type ? (type.valueType as DuckDBType) : undefined;
    return value.items.map((item) => plainValue(item, itemType));
  }
  if (value instanceof DuckDBStructValue) {
    const structType = type?.typeId === DuckDBTypeId.STRUCT ? type : undefined;
    return Object.fromEntries(Object.entries(value.entries).map(([key, item]) => [key, plainValue(item, structType?.typeForEntry(key))]));
  }
  if (value instanceof DuckDBMapValue) {
    const mapType = type?.typeId === DuckDBTypeId.MAP ? type : undefined;
    const entries = value.entries.map(({ key, value: item }) => ({ key: plainValue(key, mapType?.keyType), value: plainValue(item, mapType?.valueType) }));
    // Maps with text or number keys read naturally as objects; other keys keep key/value pairs.
    const simpleKeys = entries.every((entry) => typeof entry.key === 'string' || typeof entry.key === 'number');
    return simpleKeys ? Object.fromEntries(entries.map((entry) => [String(entry.key), entry.value])) : entries;
  }
  if (value instanceof DuckDBUnionValue) return plainValue(value.value);
  // UUID, TIME, TIMETZ, BLOB, BIT and the rest: DuckDB's own text.
  return value.toString();
}

/** Text for one CSV or table cell: no quotes around strings, structures as JSON. */
export function cellText(value: PlainValue): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value instanceof ExactNumber) return String(value);
  return jsonText(value);
}

/** Text for a cell of an aligned table, where an empty cell and NULL must look different. */
export function tableCell(value: PlainValue): string {
  return value === null ? 'NULL' : cellText(value);
}

export function isNumberValue(value: PlainValue): boolean {
  return typeof value === 'number' || value instanceof ExactNumber;
}

/** JSON with exact numbers written as their digits; NaN and infinities (which JSON lacks) as null. */
export function jsonText(value: PlainValue): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (value instanceof ExactNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  return `{${Object.entries(value)
    .map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item)}`)
    .join(',')}}`;
}

export function isNumericType(type: DuckDBType): boolean {
  return [
    DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT, DuckDBTypeId.HUGEINT,
    DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT, DuckDBTypeId.UHUGEINT,
    DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.DECIMAL, DuckDBTypeId.BIGNUM,
  ].includes(type.typeId);
}

function parseJsonText(text: string): PlainValue {
  try {
    return JSON.parse(text) as PlainValue;
  } catch {
    return text;
  }
}

/** `units` counts 10^-digits seconds since the epoch; the fraction keeps every nonzero digit DuckDB stored. */
function isoTimestamp(finite: boolean, units: bigint, digits: 6 | 9, suffix: 'Z' | ''): string {
  if (!finite) return units > 0n ? 'infinity' : '-infinity';
  const perMilli = digits === 6 ? 1000n : 1_000_000n;
  let millis = units / perMilli;
  let rest = units % perMilli;
  if (rest < 0n) {
    millis -= 1n;
    rest += perMilli;
  }
  const date = new Date(Number(millis));
  if (Number.isNaN(date.getTime())) return String(units);
  const base = date.toISOString().slice(0, -1);
  const fraction = rest === 0n ? '' : rest.toString().padStart(digits - 3, '0').replace(/0+$/, '');
  return `${base}${fraction}${suffix}`;
}

function isoDuration(value: DuckDBIntervalValue): string {
  const years = Math.trunc(value.months / 12);
  const months = value.months % 12;
  const seconds = Number(value.micros) / 1e6;
  const hours = Math.trunc(seconds / 3600);
  const minutes = Math.trunc((seconds % 3600) / 60);
  const secs = Number((seconds % 60).toFixed(6));
  const date = `${years ? `${years}Y` : ''}${months ? `${months}M` : ''}${value.days ? `${value.days}D` : ''}`;
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${secs ? `${secs}S` : ''}`;
  return `P${date}${time ? `T${time}` : ''}` === 'P' ? 'PT0S' : `P${date}${time ? `T${time}` : ''}`;
}
