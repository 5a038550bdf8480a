import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cellValueSql, isUnsureSql, javascriptWhitespace, trimmedSql } from '../../extract/crm/cellSql.js';
import { importCrmFiles, type FileImportResult, type ImportCrmOptions } from '../../extract/crm/importCrm.js';
import { nativeMaxRecordBytes, RecordShapeScanner, type RecordShape } from '../../extract/crm/recordShape.js';
import type { CrmField } from '../../extract/crm/types.js';
import { currencyCell, dateCell, domainCell, emailCell, firstIdCell, instantCell } from '../../extract/crm/values.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { fixture, fixtures, tempDir } from './support.js';

/** The shape of `text` (header line first), pushed in pieces of `piece` bytes. */
function shapeOf(text: string, columns: number, piece = Infinity, delimiter = ','): RecordShape {
  const bytes = Buffer.from(text);
  const start = bytes.indexOf(0x0a) + 1;
  const scanner = new RecordShapeScanner(delimiter.charCodeAt(0), columns, 2);
  for (let at = start; at < bytes.length; at += piece) scanner.push(bytes.subarray(at, Math.min(bytes.length, at + piece)));
  return scanner.finish();
}

describe('the record shape scan', () => {
  it('counts the records of a regular file and finds the ones holding line breaks', () => {
    const text = 'a,b,c\r\n1,"x",3\r\n"multi\r\nline","two\nmore\nlines",z\r\n4,5,6\r\n"last ""quoted""",,\r\n';
    expect(shapeOf(text, 3)).toEqual({ irregular: null, records: 4, multilineRecords: [[2, 3]], columnsToTrim: [] });
  });

  it('gives the same answer whatever the chunks the file arrives in', () => {
    const text = 'a,b,c\n1," x",3\n"multi\nline","two\r\nmore",z \n4,5,"\u00a0six"\nlast,,"end\u3000"';
    const whole = shapeOf(text, 3);
    expect(whole).toEqual({ irregular: null, records: 4, multilineRecords: [[2, 2]], columnsToTrim: [1, 2] });
    for (const piece of [1, 2, 3, 5, 7]) expect(shapeOf(text, 3, piece), `pieces of ${piece}`).toEqual(whole);
  });

  it('marks the columns with a cell that may start or end with whitespace, and no others', () => {
    const text = [
      'plain,lead,trail,nbsp,ideographic,quoted,accented',
      'x,\tx,x ,x\u00a0,\u3000x,"  x",Ärger',
      'y,y,y,y,y,"y",Zoë',
      '',
    ].join('\n');
    // U+00EB (ë) ends in 0xAB, Ä starts with 0xC3: neither looks like a space. The check errs towards yes, never no.
    expect(shapeOf(text, 7).columnsToTrim).toEqual([1, 2, 3, 4, 5]);
  });

  const irregular: readonly [string, string, string][] = [
    ['a ragged row', 'a,b\n1,2\n3,4,5\n', 'record 2 has 3 fields where the header has 2'],
    ['a short row', 'a,b\n1,2\n3\n', 'record 2 has 1 fields where the header has 2'],
    ['a quote inside an unquoted cell', 'a,b\n1,x"y\n', 'a quote inside an unquoted cell'],
    ['text after a closing quote', 'a,b\n1,"x" \n', 'text after a closing quote'],
    ['an unclosed quote', 'a,b\n1,"x\n2,3\n', 'a quote opened in record 1 is never closed'],
    ['a blank line', 'a,b\n1,2\n\n3,4\n', 'a blank line'],
    ['a carriage return alone', 'a,b\n1,2\r3,4\n', 'a carriage return without a line feed'],
    ['a byte-order mark starting a record', 'a,b\n1,2\n\ufeffa,b\n', 'a byte-order mark where a record starts'],
    ['a single column', 'email\nx@example.com\n', 'the file has a single column'],
    ['a record too long for DuckDB in 64 MB', `a,b\n1,"${'x'.repeat(nativeMaxRecordBytes)}"\n`, `record 1 is longer than ${nativeMaxRecordBytes} bytes`],
  ];
  for (const [what, text, reason] of irregular) {
    it(`sends ${what} to csv-parse`, () => {
      expect(shapeOf(text, text.split('\n')[0]!.split(',').length).irregular).toContain(reason);
    });
  }
});

describe('the SQL twins of the cell parsers', () => {
  let warehouse: Warehouse;
  beforeEach(async () => {
    warehouse = await Warehouse.open({ path: ':memory:' });
  });
  afterEach(async () => {
    await warehouse.close();
  });

  it('trim exactly the characters String.prototype.trim removes', async () => {
    const trimmedByJavaScript: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const character = String.fromCharCode(code);
      if (character.trim() === '') trimmedByJavaScript.push(character);
    }
    expect([...javascriptWhitespace].sort()).toEqual(trimmedByJavaScript.sort());
    const cells = [...trimmedByJavaScript.map((space) => `${space}a b${space}`), '  x', 'y\t', 'plain', '', '\u00a0', 'Ärger ', ' Zoë'];
    const rows = await warehouse.all<{ cell: string; trimmed: string }>(
      `select cell, ${trimmedSql('cell')} as trimmed from (select unnest(?::varchar[]) as cell)`,
      [cells],
    );
    expect(rows).toHaveLength(cells.length);
    for (const row of rows) expect(row.trimmed, JSON.stringify(row.cell)).toBe(row.cell.trim());
  });

  /**
   * Every cell the twin is sure of must be parsed by the zod schema to the
   * same value; the test also requires each corpus to hold sure and unsure
   * cells, so it cannot pass by being unsure of everything.
   */
  const corpora: readonly { field: CrmField; parse: (cell: string) => { success: boolean; data?: unknown }; cells: readonly string[]; sure: readonly string[] }[] = [
    {
      field: 'email',
      parse: (cell) => emailCell.safeParse(cell),
      cells: ['ada@example.com', ' Ada.Lovelace@Example.COM ', "o'brien@example.ie", 'a+b@x.co.uk', 'x_y-z@sub-domain.example.org', 'not-an-email', 'two@a.com;three@b.com',
        'jürgen@example.de', 'a..b@example.com', '.a@example.com', 'a.@example.com', 'a@example', 'a@-x.com', 'a@x.c', '@example.com', 'a b@example.com', '\u00a0ada@example.com'],
      sure: ['ada@example.com', ' Ada.Lovelace@Example.COM ', "o'brien@example.ie", 'a+b@x.co.uk', 'x_y-z@sub-domain.example.org', '\u00a0ada@example.com'],
    },
    {
      field: 'created_at',
      parse: (cell) => instantCell.safeParse(cell),
      cells: ['2024-03-15', '2024-03-15 14:02', '2024-03-15T14:02:09', '2024-03-15T14:02:09Z', ' 2024-03-15 14:02 ', '2024-02-29 00:00', '2023-02-29', '2024-13-01', '2024-03-15 24:00',
        '1899-12-31', '3/15/2024 2:02 PM', '15.03.2024', '2024-03-15T14:02:09+02:00', '1710511329000', 'yesterday', '2024-3-5', '2024-03-15 14:02:09.123'],
      sure: ['2024-03-15', '2024-03-15 14:02', '2024-03-15T14:02:09', '2024-03-15T14:02:09Z', ' 2024-03-15 14:02 ', '2024-02-29 00:00'],
    },
    {
      field: 'close_date',
      parse: (cell) => dateCell.safeParse(cell),
      cells: ['2024-03-15', ' 2024-12-31', '2024-02-30', '2024-03-15 10:00', '03/15/2024', 'soon'],
      sure: ['2024-03-15', ' 2024-12-31'],
    },
    {
      field: 'company_id',
      parse: (cell) => firstIdCell.safeParse(cell),
      cells: ['123', ' 456 ', '1;2', '7,8', ';9'],
      sure: ['123', ' 456 '],
    },
    {
      field: 'domain',
      parse: (cell) => domainCell.safeParse(cell),
      cells: ['acme.com', 'WWW.Acme.com', 'www.', 'https://www.acme.com/about', 'acme.com/path', 'bücher.de'],
      sure: ['acme.com', 'WWW.Acme.com'],
    },
    {
      field: 'currency',
      parse: (cell) => currencyCell.safeParse(cell),
      cells: ['usd', ' EUR ', 'Jpy', 'euro', 'US$', '€'],
      sure: ['usd', ' EUR ', 'Jpy'],
    },
  ];
  for (const corpus of corpora) {
    it(`${corpus.field}: every cell the SQL is sure of, zod parses to the same value`, async () => {
      const trimmed = trimmedSql('cell');
      const value = cellValueSql(corpus.field, 't');
      const rows = await warehouse.all<{ cell: string; value: unknown; unsure: boolean }>(
        `select cell, value::varchar as value, ${isUnsureSql(corpus.field, 't', 'value')} as unsure
         from (select cell, t, ${value} as value from (select cell, ${trimmed} as t from (select unnest(?::varchar[]) as cell)))`,
        [corpus.cells],
      );
      expect(rows.filter((row) => !row.unsure).map((row) => row.cell).sort()).toEqual([...corpus.sure].sort());
      for (const row of rows.filter((candidate) => !candidate.unsure)) {
        const parsed = corpus.parse(row.cell);
        expect(parsed.success, row.cell).toBe(true);
        expect(sqlText(corpus.field, row.value), row.cell).toBe(parsed.data);
      }
    });
  }
});

/** A DuckDB value as text, in the form the zod schema gives it. */
function sqlText(field: CrmField, value: unknown): unknown {
  if (value === null) return null;
  if (field === 'created_at') return new Date(String(value).replace(' ', 'T').replace(/\+00$/, 'Z')).toISOString();
  return value;
}

describe('DuckDB and csv-parse store the same rows and issues', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    dir.remove();
  });

  async function importBothWays(file: string, options: Partial<ImportCrmOptions> = {}): Promise<{ native: FileImportResult; parsed: FileImportResult; tables: Record<string, unknown[]>[] }> {
    const results: FileImportResult[] = [];
    const tables: Record<string, unknown[]>[] = [];
    for (const reader of ['auto', 'csv-parse'] as const) {
      const warehouse = await Warehouse.open({ path: join(dir.path, `${reader}.duckdb`) });
      try {
        const [result] = await importCrmFiles({ warehouse, files: [file], reader, ...options });
        results.push(result!);
        const content: Record<string, unknown[]> = {};
        for (const table of ['contacts', 'companies', 'deals']) {
          content[table] = await warehouse.all(`select * exclude (import_id, data), data::varchar as data from raw_crm.${table} order by line`);
        }
        content['issues'] = await warehouse.all('select line, column_name, value, reason from raw_crm.import_issues order by line, column_name, reason');
        tables.push(content);
      } finally {
        await warehouse.close();
      }
    }
    return { native: results[0]!, parsed: results[1]!, tables };
  }

  function expectSameImport(native: FileImportResult, parsed: FileImportResult): void {
    expect(native.reader).toBe('duckdb');
    expect(parsed.reader).toBe('csv-parse');
    for (const key of ['rows', 'newRecords', 'updatedRecords', 'unchangedRecords', 'duplicates', 'issues', 'firstIssues', 'table', 'detected'] as const) {
      expect(native[key], key).toEqual(parsed[key]);
    }
  }

  const fixtureFiles = readdirSync(fixtures, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => readdirSync(join(fixtures, entry.name)).map((name) => `${entry.name}/${name}`))
    .filter((name) => name.endsWith('.csv'));

  it('finds the fixture exports of every system', () => {
    expect(fixtureFiles.map((name) => name.split('/')[0]).sort()).toEqual(expect.arrayContaining(['generic', 'hubspot', 'pipedrive', 'salesforce']));
  });

  for (const name of fixtureFiles) {
    it(`for the fixture ${name}`, async () => {
      const generic = name.startsWith('generic/')
        ? { system: 'generic' as const, map: { email: 'E-mail Address', full_name: 'Full name', record_id: 'Customer No', created_at: 'Signed up' } }
        : {};
      const { native, parsed, tables } = await importBothWays(fixture(name), generic);
      expectSameImport(native, parsed);
      expect(native.rows).toBeGreaterThan(0);
      expect(tables[0]).toEqual(tables[1]);
    });
  }

  it('for a file full of cells only zod can judge, multi-line cells, duplicates and a repeated header', async () => {
    const header = ['Record ID', 'First Name', 'Last Name', 'Email', 'Create Date', 'Associated Company IDs', 'Message', '2024'];
    const rows: string[][] = [
      ['1', 'Ada', 'Lovelace', 'ada@example.com', '2024-03-15 14:02', '11', 'plain', 'x'],
      ['2', '\u00a0Grace ', ' Hopper\t', ' GRACE@Example.com ', '3/15/2024 2:02 PM', '12;13', 'two\r\nlines', 'y'],
      ['3', 'Alan', "O'Turing", "o'turing@example.com", '15.03.2024', '', 'three\nmore\nlines', ''],
      ['4', 'Edsger', 'Dijkstra', 'not-an-email', '2024-02-30', ' 14 ', '=SUM(A1:A2)', 'z'],
      ['', 'No', 'Id', 'noid@example.com', '', '', 'no record id', ''],
      ['2', 'Grace', 'Hopper', 'grace@example.com', '2024-03-16', '12', 'the later line wins', ''],
      header,
      ['5', 'Jürgen', 'Groß', 'jürgen@例え.jp', '2024-03-15T14:02:09Z', '', '"quoted"', ''],
      ['6', 'Barbara', 'Liskov', 'barbara@example.com', '1710511329000', '', '', ''],
    ];
    const quote = (cell: string): string => `"${cell.replaceAll('"', '""')}"`;
    for (const [label, delimiter, lineBreak] of [['comma-crlf', ',', '\r\n'], ['semicolon-lf', ';', '\n'], ['tab-lf', '\t', '\n']] as const) {
      const file = join(dir.path, `${label}.csv`);
      writeFileSync(file, `\ufeff${[header, ...rows].map((row) => row.map(quote).join(delimiter)).join(lineBreak)}${lineBreak}`);
      const { native, parsed, tables } = await importBothWays(file);
      expectSameImport(native, parsed);
      expect(native.rows, label).toBe(8);
      expect(native.duplicates, label).toBe(1);
      expect(tables[0], label).toEqual(tables[1]);
      // Lines count the line breaks inside quotes: the header is line 1, records 2 and 3 span 2 and 3 lines, Barbara's is line 13.
      expect((tables[0]!['contacts'] as { record_id: string; line: number }[]).find((row) => row.record_id === '6')!.line, label).toBe(13);
    }
  });

  it('starts over with csv-parse when DuckDB reads something other than what was scanned', async () => {
    // DuckDB reads a path as a glob: a file named `contacts*.csv` beside `contacts-old.csv` reads as both.
    const file = join(dir.path, 'contacts*.csv');
    copyFileSync(fixture('hubspot/contacts.csv'), file);
    copyFileSync(fixture('hubspot/contacts.csv'), join(dir.path, 'contacts-old.csv'));
    const warehouse = await Warehouse.open({ path: join(dir.path, 'glob.duckdb') });
    try {
      const [result] = await importCrmFiles({ warehouse, files: [file] });
      expect(result!.reader).toBe('csv-parse');
      expect(result!.readerReason).toBe("DuckDB's CSV reader failed on it: it read 12 records where the scan counted 6");
      expect(result!.rows).toBe(6);
      expect(await warehouse.one('select count(*) as n, count(distinct import_id) as imports from raw_crm.contacts')).toEqual({ n: 6, imports: 1 });
      expect(await warehouse.one('select count(*) as n from raw_crm.imports')).toEqual({ n: 1 });
    } finally {
      await warehouse.close();
    }
  });

  it('names why csv-parse read a file', async () => {
    const file = join(dir.path, 'ragged.csv');
    writeFileSync(file, 'Record ID,Email,First Name\n1,a@example.com,Ann\n2,b@example.com\n');
    const warehouse = await Warehouse.open({ path: join(dir.path, 'ragged.duckdb') });
    try {
      const [result] = await importCrmFiles({ warehouse, files: [file], system: 'hubspot' });
      expect(result!.reader).toBe('csv-parse');
      expect(result!.readerReason).toContain('record 2 has 2 fields where the header has 3');
      expect(result!.rows).toBe(2);
    } finally {
      await warehouse.close();
    }
  });
});
