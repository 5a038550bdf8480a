import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBTypeId } from '@duckdb/node-api';
import { csvCell, csvLine } from '../../cli/commands/query.js';
import { cellText, jsonText, streamPlainRows, type PlainValue } from '../../transform/plainRows.js';
import { Warehouse } from '../../warehouse/warehouse.js';

/**
 * The rest of DuckDB's types, through the same conversion `tributary query`
 * uses (the CLI test covers the common ones end to end).
 */
let warehouse: Warehouse;
beforeAll(async () => {
  warehouse = await Warehouse.open({ path: ':memory:' });
});
afterAll(() => warehouse.close());

async function jsonOf(sql: string): Promise<string> {
  const result = await streamPlainRows(warehouse.connection, sql);
  const rows: string[] = [];
  for await (const chunk of result.chunks) {
    for (const row of chunk) rows.push(`{${row.map((value, i) => `${JSON.stringify(result.columns[i])}:${jsonText(value)}`).join(',')}}`);
  }
  return `[${rows.join(',')}]`;
}

describe('query values', () => {
  it('writes integers of every width exactly, floats as numbers, and non-finite doubles as null', async () => {
    expect(
      await jsonOf(
        `select 7::smallint as small, 255::utinyint as ubyte, 4000000000::uinteger as uint, 18446744073709551615::ubigint as ubig,
                (-12345678901234567890123)::hugeint as huge, 0.25::float as flt, 'nan'::double as nan, 'inf'::double as inf,
                123456789012345678.123::decimal(38, 3) as wide_decimal`,
      ),
    ).toBe(
      '[{"small":7,"ubyte":255,"uint":4000000000,"ubig":18446744073709551615,"huge":-12345678901234567890123,"flt":0.25,"nan":null,"inf":null,"wide_decimal":123456789012345678.123}]',
    );
  });

  it('writes every timestamp precision as ISO 8601, keeping the digits stored, and infinities as words', async () => {
    expect(
      await jsonOf(
        `select '2026-03-04 05:06:07'::timestamp_s as secs, '2026-03-04 05:06:07.089'::timestamp_ms as millis,
                '2026-03-04 05:06:07.000001'::timestamp as micros, '2026-03-04 05:06:07.123456789'::timestamp_ns as nanos,
                '1969-12-31 23:59:59.5+00'::timestamptz as before_epoch, 'infinity'::timestamp as forever, '-infinity'::date as never`,
      ),
    ).toBe(
      '[{"secs":"2026-03-04T05:06:07.000","millis":"2026-03-04T05:06:07.089","micros":"2026-03-04T05:06:07.000001","nanos":"2026-03-04T05:06:07.123456789","before_epoch":"1969-12-31T23:59:59.500Z","forever":"infinity","never":"-infinity"}]',
    );
  });

  it('writes enums, fixed arrays, unions, nested lists of structs, maps with odd keys, blobs and intervals', async () => {
    await warehouse.run(`create type mood as enum ('happy', 'sad')`);
    expect(
      await jsonOf(
        `select 'sad'::mood as mood, [1.5, 2.5]::double[2] as pair, union_value(num := 2) as u,
                [{'d': date '2026-01-01', 'tags': ['a']}] as nested, map {[1]: 'list key'} as odd_map,
                '\\xAA\\x01'::blob as bytes, interval '14 months 3 days 4 minutes 5.5 seconds' as iv, interval 0 second as zero`,
      ),
    ).toBe(
      '[{"mood":"sad","pair":[1.5,2.5],"u":2,"nested":[{"d":"2026-01-01","tags":["a"]}],"odd_map":[{"key":[1],"value":"list key"}],"bytes":"\\\\xAA\\\\x01","iv":"P1Y2M3DT4M5.5S","zero":"PT0S"}]',
    );
  });

  it('keeps CSV cells exact and defuses formulas only in text columns', async () => {
    const result = await streamPlainRows(warehouse.connection, `select -1.50::decimal(5, 2) as amount, '-1.50' as text, ['=x'] as list`);
    const cells: string[] = [];
    for await (const chunk of result.chunks) for (const row of chunk) row.forEach((value, i) => cells.push(csvCell(value, result.types[i]!)));
    expect(cells).toEqual(['-1.50', "'-1.50", '["=x"]']);
    expect(result.types.map((type) => type.typeId)).toEqual([DuckDBTypeId.DECIMAL, DuckDBTypeId.VARCHAR, DuckDBTypeId.LIST]);
    expect(csvLine(cells)).toBe(`-1.50,'-1.50,"[""=x""]"\r\n`);
    const plain: PlainValue[] = [null, true, 'x'];
    expect(plain.map(cellText)).toEqual(['', 'true', 'x']);
  });
});
