import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refuseWrites } from '../../cli/commands/query.js';
import { publishedPathFor, publishWarehouse } from '../../warehouse/publish.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { moduleUrl, openWarehouse, removeTempDirs, runCli, startHolder, stopHolder, tempDir, warehousePath } from '../transform/support.js';

/** One row of (nearly) every DuckDB type a mart can hold, published like a build would. */
const typesTable = `
  create schema if not exists marts;
  create table marts.types as select
    1::tinyint as tiny, 42::integer as int, 9007199254740993::bigint as big,
    12.34::decimal(18, 2) as money, -0.5::decimal(4, 2) as negative_money, 1.5::double as dbl,
    'text' as txt, '=SUM(A1)' as formula, '-2' as minus_text, '@x' as at_text, 'a,"b"' as quoted, 'line1' || chr(10) || 'line2' as multiline,
    date '2026-01-31' as day, timestamp '2026-01-02 03:04:05.123456' as ts, timestamptz '2026-01-02 03:04:05+02' as tstz,
    [1, 2] as list, ['a', null] as text_list, {'k': 1, 'd': date '2026-01-01'} as struct, null::varchar as nothing, true as flag,
    '{"a": [1, 2]}'::json as js, map {'x': 1} as m, '00000000-0000-0000-0000-000000000001'::uuid as id, time '12:34:56' as t,
    interval '1 day 2 hours' as iv;
  create table marts.people as select * from (values ('Ann', 3), ('Bob', null)) as t(name, visits);
`;

let dir: string;
beforeAll(async () => {
  dir = tempDir('tributary-query-');
  const warehouse = await openWarehouse(dir);
  await warehouse.run(typesTable);
  await publishWarehouse(warehouse);
  await warehouse.close();
});
afterAll(removeTempDirs);

describe('tributary query', async () => {
  it('prints JSON: numbers exact, dates YYYY-MM-DD, timestamps ISO 8601, lists as arrays, structs as objects, NULL as null', async () => {
    const result = await runCli(dir, ['query', 'select * from marts.types', '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // Written by hand: the text itself, so exactness of big integers and decimals is checked too.
    expect(result.stdout).toBe(
      '[\n{' +
        [
          '"tiny":1', '"int":42', '"big":9007199254740993', '"money":12.34', '"negative_money":-0.50', '"dbl":1.5',
          '"txt":"text"', '"formula":"=SUM(A1)"', '"minus_text":"-2"', '"at_text":"@x"', '"quoted":"a,\\"b\\""', '"multiline":"line1\\nline2"',
          '"day":"2026-01-31"', '"ts":"2026-01-02T03:04:05.123456"', '"tstz":"2026-01-02T01:04:05.000Z"',
          '"list":[1,2]', '"text_list":["a",null]', '"struct":{"k":1,"d":"2026-01-01"}', '"nothing":null', '"flag":true',
          '"js":{"a":[1,2]}', '"m":{"x":1}', '"id":"00000000-0000-0000-0000-000000000001"', '"t":"12:34:56"', '"iv":"P1DT2H"',
        ].join(',') +
        '}\n]\n',
    );
    expect(JSON.parse(result.stdout)[0]).toMatchObject({ money: 12.34, list: [1, 2], struct: { k: 1, d: '2026-01-01' }, nothing: null });
  });

  it('prints an empty JSON array for no rows', async () => {
    expect((await runCli(dir, ['query', 'select * from marts.people where false', '--format', 'json'])).stdout).toBe('[]\n');
  });

  it('prints RFC 4180 CSV with a header, quoting where needed and defusing spreadsheet formulas in text only', async () => {
    const result = await runCli(dir, [
      'query',
      'select int, negative_money, txt, formula, minus_text, at_text, quoted, multiline, day, tstz, text_list, nothing, flag from marts.types',
      '--format',
      'csv',
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      'int,negative_money,txt,formula,minus_text,at_text,quoted,multiline,day,tstz,text_list,nothing,flag\r\n' +
        `42,-0.50,text,'=SUM(A1),'-2,'@x,"a,""b""","line1\nline2",2026-01-31,2026-01-02T01:04:05.000Z,"[""a"",null]",,true\r\n`,
    );
    const tabs = await runCli(dir, ['query', "select chr(9) || 'x' as tab, chr(13) || 'y' as cr, '+1' as plus, -1 as minus_one, 'a=b' as inner_equals", '--format', 'csv']);
    expect(tabs.stdout).toBe(`tab,cr,plus,minus_one,inner_equals\r\n'\tx,"'\ry",'+1,-1,a=b\r\n`);
  });

  it('prints an aligned table by default, numbers to the right and NULL spelled out', async () => {
    const result = await runCli(dir, ['query', 'select name, visits from marts.people order by name']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      [
        '┌──────┬────────┐',
        '│ name │ visits │',
        '├──────┼────────┤',
        '│ Ann  │      3 │',
        '│ Bob  │   NULL │',
        '└──────┴────────┘',
        '2 rows',
        '',
      ].join('\n'),
    );
  });

  it('refuses a write with a clear sentence, before DuckDB binds it or when DuckDB refuses it', async () => {
    const published = publishedPathFor(warehousePath(dir));
    const sentence = (statement: string) =>
      `tributary query only reads: the ${statement} statement was refused (it runs against the published copy ${published}; tables change through extract, import and build).`;
    // A malformed insert too: the refusal, not DuckDB's complaint about the values.
    const insert = await runCli(dir, ['query', "insert into marts.people values ('Eve')"]);
    expect(insert.status).toBe(1);
    expect(insert.stderr).toBe(`error: ${sentence('INSERT')}\n`);
    // The leading keyword does not show this one; the read-only copy refuses it.
    const hidden = await runCli(dir, ['query', "with eve as (select 'Eve' as name, 1 as visits) insert into marts.people select * from eve"]);
    expect(hidden.status).toBe(1);
    expect(hidden.stderr).toBe(`error: ${sentence('INSERT')}\n`);
    const cases: [string, string][] = [
      ['  -- a comment first\n  delete from marts.people', 'DELETE'],
      ['/* why */ DROP table marts.people', 'DROP'],
      ['create table marts.more as select 1', 'CREATE'],
      ["copy marts.people to 'people.csv'", 'COPY'],
      ["attach 'other.duckdb' as other", 'ATTACH'],
      ['update marts.people set visits = 0', 'UPDATE'],
    ];
    for (const [sql, statement] of cases) expect(() => refuseWrites(sql, published)).toThrow(sentence(statement));
    expect(() => refuseWrites("select 'insert' as word, * from marts.people", published)).not.toThrow();
  });

  it('refuses to read other files', async () => {
    const result = await runCli(dir, ['query', "select * from read_csv('/etc/hostname')"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `error: tributary query reads only the published copy ${publishedPathFor(warehousePath(dir))}: reading or writing other files (COPY, ATTACH, read_csv, ...) is switched off.\n`,
    );
  });

  it("reports a SQL error with DuckDB's message on one line", async () => {
    const result = await runCli(dir, ['query', 'select nope from marts.people']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: The query failed: Binder Error: Referenced column "nope" not found in FROM clause! [^\n]*\n$/);
    const syntax = await runCli(dir, ['query', 'select from where']);
    expect(syntax.status).toBe(1);
    expect(syntax.stderr).toMatch(/^error: The query failed: Parser Error: syntax error at or near "where"\n$/);
  });

  it('refuses an unknown format as bad usage', async () => {
    const result = await runCli(dir, ['query', 'select 1', '--format', 'xml']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/argument 'xml' is invalid. Allowed choices are table, csv, json/);
  });

  it('works while another process holds the warehouse open for writing, showing the last published build', async () => {
    const holder = await startHolder(
      `
      const { Warehouse } = await import(${JSON.stringify(moduleUrl('warehouse/warehouse.ts'))});
      const warehouse = await Warehouse.open({ path: ${JSON.stringify(warehousePath(dir))} });
      await warehouse.run("insert into marts.people values ('Unpublished', 9)");
      console.log('ready');
      setInterval(() => {}, 1000);
      `,
      dir,
    );
    try {
      // The holder really has the file: not even a read-only open gets in.
      await expect(Warehouse.open({ path: warehousePath(dir), readOnly: true })).rejects.toThrow(/open in another process/);
      const result = await runCli(dir, ['query', 'select name from marts.people order by name', '--format', 'csv']);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('name\r\nAnn\r\nBob\r\n');
    } finally {
      await stopHolder(holder.child);
    }
  });
});

describe('tributary query before any build', async () => {
  it('exits 1 and says how to publish one', async () => {
    const empty = tempDir('tributary-query-empty-');
    const result = await runCli(empty, ['query', 'select 1']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('error: No build has been published yet: run `tributary build` (or `tributary refresh --demo`).\n');
  });
});
