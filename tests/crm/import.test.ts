import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importCrmFiles } from '../../extract/crm/importCrm.js';
import { rawCrmTables } from '../../extract/crm/rawTables.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { fixture, runCli, snapshotCrm, tempDir } from './support.js';

let dir: ReturnType<typeof tempDir>;
let warehouse: Warehouse;
let db: string;

beforeEach(async () => {
  dir = tempDir();
  db = join(dir.path, 'warehouse.duckdb');
  warehouse = await Warehouse.open({ path: db });
});

afterEach(async () => {
  await warehouse.close();
  dir.remove();
});

const contactColumns = 'record_id, crm_object, email, first_name, last_name, full_name, company, company_id, owner, phone, lifecycle_stage, lead_status, created_at, line';

describe('raw_crm tables', () => {
  it('exist, empty, before any import, with the parsed columns tables.ts lists', async () => {
    for (const [objectType, table] of Object.entries(rawCrmTables)) {
      const columns = await warehouse.all<{ column_name: string }>(
        `select column_name from information_schema.columns where table_schema = 'raw_crm' and table_name = ? order by ordinal_position`,
        [table.table],
      );
      expect(columns.map((column) => column.column_name), objectType).toEqual([
        'import_id', 'file', 'line', 'system', 'object_type', 'crm_object',
        ...table.columns.map((column) => column.name),
        'data',
      ]);
      expect((await warehouse.one<{ n: number }>(`select count(*) as n from raw_crm.${table.table}`))!.n).toBe(0);
    }
  });
});

describe('HubSpot exports', () => {
  it('imports contacts: detection, every parsed field, the verbatim row, line numbers across a quoted line break', async () => {
    const [result] = await importCrmFiles({ warehouse, files: [fixture('hubspot/contacts.csv')] });
    expect(result).toMatchObject({
      status: 'imported',
      detected: "HubSpot contacts export, by 'Record ID', 'Email', 'Lifecycle Stage'",
      system: 'hubspot',
      objectType: 'contact',
      table: 'raw_crm.contacts',
      rows: 6,
      newRecords: 6,
      updatedRecords: 0,
      unchangedRecords: 0,
      duplicates: 0,
      issues: 0,
    });
    const rows = await warehouse.all(`select ${contactColumns} from raw_crm.contacts order by line`);
    expect(rows).toEqual([
      { record_id: '51', crm_object: 'contact', email: 'emailmaria@hubspot.com', first_name: 'Maria', last_name: 'Johnson', full_name: null, company: 'HubSpot', company_id: '9001', owner: 'Sam Sales', phone: '+1 617 555 0101', lifecycle_stage: 'customer', lead_status: null, created_at: new Date('2024-01-15T09:30:00Z'), line: 2 },
      { record_id: '52', crm_object: 'contact', email: 'bh@hubspot.com', first_name: 'Brian', last_name: 'Halligan', full_name: null, company: 'HubSpot', company_id: '9001', owner: 'Sam Sales', phone: null, lifecycle_stage: 'opportunity', lead_status: 'OPEN_DEAL', created_at: new Date('2024-02-20T17:05:00Z'), line: 3 },
      { record_id: '53', crm_object: 'contact', email: 'zoe.mueller+crm@example.de', first_name: 'Zoë', last_name: 'Müller', full_name: null, company: 'Müller & Söhne GmbH', company_id: '9002', owner: 'Riley Rep', phone: '+49 30 1234567', lifecycle_stage: 'lead', lead_status: 'NEW', created_at: new Date('2024-03-01T08:00:00Z'), line: 4 },
      { record_id: '54', crm_object: 'contact', email: null, first_name: 'Dana', last_name: 'Nobody', full_name: null, company: null, company_id: null, owner: null, phone: null, lifecycle_stage: 'subscriber', lead_status: null, created_at: new Date('2024-03-02T10:00:00Z'), line: 5 },
      { record_id: '55', crm_object: 'contact', email: 'ann.lee@example.com', first_name: 'Ann', last_name: 'Lee', full_name: null, company: 'Lee Consulting, LLC', company_id: '9003', owner: 'Riley Rep', phone: null, lifecycle_stage: 'salesqualifiedlead', lead_status: 'IN_PROGRESS', created_at: new Date('2024-04-10T12:00:00Z'), line: 6 },
      { record_id: '56', crm_object: 'contact', email: 'chris@oneil.io', first_name: 'Chris', last_name: "O'Neil", full_name: null, company: null, company_id: null, owner: 'Sam Sales', phone: null, lifecycle_stage: 'customer', lead_status: null, created_at: new Date('2024-05-05T09:00:00Z'), line: 8 },
    ]);
    const ann = await warehouse.one<{ data: string; message: string; email: string; file: string }>(
      `select data::varchar as data, data->>'Message' as message, data->>'Email' as email, file from raw_crm.contacts where record_id = '55'`,
    );
    expect(ann!.message).toBe('Called twice.\r\nWants a "real" demo.');
    expect(ann!.file).toBe(fixture('hubspot/contacts.csv'));
    expect(Object.keys(JSON.parse(ann!.data))).toEqual([
      'Record ID', 'First Name', 'Last Name', 'Email', 'Phone Number', 'Company Name', 'Lifecycle Stage', 'Lead Status', 'Contact owner',
      'Create Date', 'Last Activity Date', 'Associated Company', 'Primary Associated Company ID', 'Message', 'Marketing contact status',
    ]);
    // The verbatim row keeps the cell as written; only the parsed email is normalized.
    const brian = await warehouse.one<{ email: string }>(`select data->>'Email' as email from raw_crm.contacts where record_id = '52'`);
    expect(brian!.email).toBe(' BH@HubSpot.com ');
    const imports = await warehouse.all('select system, object_type, crm_object, encoding, delimiter, rows, new_records, issues from raw_crm.imports');
    expect(imports).toEqual([{ system: 'hubspot', object_type: 'contact', crm_object: 'contact', encoding: 'utf-8', delimiter: ',', rows: 6, new_records: 6, issues: 0 }]);
  });

  it('imports companies and deals: domains, amounts in minor units, association lists, bad values as issues', async () => {
    const results = await importCrmFiles({ warehouse, files: [fixture('hubspot/companies.csv'), fixture('hubspot/deals.csv')] });
    expect(results.map((result) => [result.detected, result.rows, result.issues])).toEqual([
      ["HubSpot companies export, by 'Record ID', 'Company name', 'Company Domain Name'", 3, 0],
      ["HubSpot deals export, by 'Record ID', 'Deal Name', 'Deal Stage'", 5, 2],
    ]);
    expect(await warehouse.all('select record_id, company, domain, owner, lifecycle_stage, created_at from raw_crm.companies order by record_id')).toEqual([
      { record_id: '9001', company: 'HubSpot', domain: 'hubspot.com', owner: 'Sam Sales', lifecycle_stage: 'customer', created_at: new Date('2023-11-02T10:00:00Z') },
      { record_id: '9002', company: 'Müller & Söhne GmbH', domain: 'mueller-soehne.de', owner: 'Riley Rep', lifecycle_stage: 'lead', created_at: new Date('2024-03-01T08:00:00Z') },
      { record_id: '9003', company: 'Lee Consulting, LLC', domain: null, owner: 'Riley Rep', lifecycle_stage: 'salesqualifiedlead', created_at: new Date('2024-04-10T00:00:00Z') },
    ]);
    const deals = await warehouse.all(
      `select record_id, title, amount_minor, currency, stage, pipeline, strftime(close_date, '%Y-%m-%d') as close_date, owner, company, company_id, contact_ids, contact_emails, contact_names
       from raw_crm.deals order by record_id`,
    );
    expect(deals).toEqual([
      { record_id: '7001', title: 'HubSpot - Enterprise renewal', amount_minor: 12500000, currency: 'usd', stage: 'closedwon', pipeline: 'Sales Pipeline', close_date: '2024-06-30', owner: 'Sam Sales', company: 'HubSpot', company_id: '9001', contact_ids: ['51', '52'], contact_emails: ['emailmaria@hubspot.com', 'bh@hubspot.com'], contact_names: ['Maria Johnson', 'Brian Halligan'] },
      { record_id: '7002', title: 'Müller & Söhne - Pilot', amount_minor: 450050, currency: 'eur', stage: 'presentationscheduled', pipeline: 'Sales Pipeline', close_date: '2024-07-15', owner: 'Riley Rep', company: 'Müller & Söhne GmbH', company_id: '9002', contact_ids: ['53'], contact_emails: ['zoe.mueller+crm@example.de'], contact_names: ['Zoë Müller'] },
      { record_id: '7003', title: 'Lee Consulting - Starter', amount_minor: null, currency: null, stage: 'appointmentscheduled', pipeline: 'Sales Pipeline', close_date: null, owner: 'Riley Rep', company: 'Lee Consulting, LLC', company_id: '9003', contact_ids: ['55'], contact_emails: ['ann.lee@example.com'], contact_names: ['Ann Lee'] },
      { record_id: '7004', title: 'Tokyo expansion', amount_minor: 150000, currency: 'jpy', stage: 'qualifiedtobuy', pipeline: 'Sales Pipeline', close_date: '2024-09-01', owner: null, company: null, company_id: null, contact_ids: null, contact_emails: null, contact_names: null },
      { record_id: '7005', title: 'Lost cause', amount_minor: null, currency: 'usd', stage: 'closedlost', pipeline: 'Sales Pipeline', close_date: null, owner: null, company: null, company_id: null, contact_ids: null, contact_emails: null, contact_names: null },
    ]);
    const issues = await warehouse.all(`select file, line, column_name, value, reason from raw_crm.import_issues order by line, column_name`);
    expect(issues).toEqual([
      { file: fixture('hubspot/deals.csv'), line: 6, column_name: 'Amount', value: 'about 5k', reason: 'not an amount we can read (expected e.g. 1500, 1,500.00 or 1.500,00)' },
      { file: fixture('hubspot/deals.csv'), line: 6, column_name: 'Close Date', value: '2024-13-45', reason: 'not a date we can read (expected e.g. 2024-03-15, 3/15/2024, 15.03.2024)' },
    ]);
  });
});

describe('Salesforce exports', () => {
  it('imports contacts and leads in label style (reports) and API-name style (Data Export, Data Loader)', async () => {
    const results = await importCrmFiles({
      warehouse,
      files: [fixture('salesforce/contacts-report.csv'), fixture('salesforce/leads-report.csv'), fixture('salesforce/Contact.csv'), fixture('salesforce/lead-dataloader.csv')],
    });
    expect(results.map((result) => [result.detected, result.rows, result.newRecords, result.updatedRecords])).toEqual([
      ["Salesforce contacts export (label style), by 'Contact ID', 'Email', 'Account Name'", 3, 3, 0],
      ["Salesforce leads export (label style), by 'Lead ID', 'Email', 'Company / Account'", 2, 2, 0],
      // Lisa Su again, through the API export: an update of the same record id.
      ["Salesforce contacts export (API-name style), by 'Id', 'Email', 'AccountId'", 2, 1, 1],
      ["Salesforce leads export (API-name style), by 'ID', 'EMAIL', 'STATUS'", 1, 1, 0],
    ]);
    const rows = await warehouse.all(`select record_id, crm_object, email, first_name, last_name, full_name, company, company_id, owner, lead_status, created_at from raw_crm.contacts order by record_id`);
    expect(rows).toEqual([
      { record_id: '0035e00000ABC01AAA', crm_object: 'contact', email: 'lisa.su@amd.example', first_name: 'Lisa', last_name: 'Su', full_name: 'Lisa Su', company: 'Advanced Micro Devices', company_id: '0015e00000AMD01AAA', owner: '0055e000001OWN1AAA', lead_status: null, created_at: new Date('2024-03-15T16:20:11Z') },
      { record_id: '0035e00000ABC02AAA', crm_object: 'contact', email: 'jhh@nvidia.example', first_name: 'Jen-Hsun', last_name: 'Huang', full_name: null, company: 'Nvidia', company_id: null, owner: 'Jordan Closer', lead_status: null, created_at: new Date('2023-12-01T00:00:00Z') },
      { record_id: '0035e00000ABC03AAA', crm_object: 'contact', email: 'satya@microsoft.example', first_name: 'Satya', last_name: 'Nadella', full_name: null, company: 'Microsoft', company_id: null, owner: 'Riley Rep', lead_status: null, created_at: new Date('2024-01-02T00:00:00Z') },
      { record_id: '0035e00000ABC04AAA', crm_object: 'contact', email: 'pat@intel.example', first_name: 'Pat', last_name: 'Gelsinger', full_name: 'Pat Gelsinger', company: 'Intel', company_id: '0015e00000INT01AAA', owner: '0055e000001OWN1AAA', lead_status: null, created_at: new Date('2024-02-01T08:00:00Z') },
      { record_id: '00Q5e00000XYZ01EAA', crm_object: 'lead', email: 'ada@engines.example', first_name: 'Ada', last_name: 'Lovelace', full_name: null, company: 'Analytical Engines', company_id: null, owner: 'Riley Rep', lead_status: 'Open - Not Contacted', created_at: new Date('2024-03-16T14:30:00Z') },
      { record_id: '00Q5e00000XYZ02EAA', crm_object: 'lead', email: 'charles@engines.example', first_name: 'Charles', last_name: 'Babbage', full_name: null, company: 'Analytical Engines', company_id: null, owner: 'Riley Rep', lead_status: 'Working - Contacted', created_at: new Date('2024-03-17T09:05:00Z') },
      { record_id: '00Q5e00000XYZ03EAA', crm_object: 'lead', email: 'grace@navy.example', first_name: 'Grace', last_name: 'Hopper', full_name: null, company: 'US Navy', company_id: null, owner: '0055e000001OWN2AAA', lead_status: 'Open - Not Contacted', created_at: new Date('2024-04-01T12:00:00Z') },
    ]);
  });
});

describe('Pipedrive exports', () => {
  it('imports persons (prefixed, semicolons; and unprefixed), organizations and deals', async () => {
    const results = await importCrmFiles({
      warehouse,
      files: [fixture('pipedrive/persons.csv'), fixture('pipedrive/people-unprefixed.csv'), fixture('pipedrive/organizations.csv'), fixture('pipedrive/deals.csv')],
    });
    expect(results.map((result) => [result.detected, result.rows, result.issues])).toEqual([
      ["Pipedrive persons export, by 'Person - ID', 'Person - Email - Work'", 3, 1],
      ["Pipedrive persons export, by 'ID', 'Email - Work'", 1, 0],
      ["Pipedrive organizations export, by 'Organization - ID', 'Organization - Owner'", 2, 0],
      ["Pipedrive deals export, by 'Deal - ID', 'Deal - Value'", 2, 0],
    ]);
    expect(await warehouse.all(`select record_id, crm_object, email, first_name, last_name, full_name, company, owner, phone, lead_status, created_at from raw_crm.contacts order by record_id::int`)).toEqual([
      { record_id: '1', crm_object: 'person', email: 'jane@acme.example', first_name: 'Jane', last_name: 'Doe', full_name: 'Jane Doe', company: 'Acme Inc', owner: 'Sam Sales', phone: '+1 555 0100', lead_status: 'Hot lead', created_at: new Date('2024-02-10T11:12:13Z') },
      { record_id: '2', crm_object: 'person', email: 'john.roe@home.example', first_name: 'John', last_name: 'Roe', full_name: 'John Roe', company: null, owner: 'Sam Sales', phone: null, lead_status: 'Cold lead', created_at: new Date('2024-02-11T08:00:00Z') },
      // The work address is malformed (an issue); the home address stands in.
      { record_id: '3', crm_object: 'person', email: 'wei@globex.example', first_name: 'Wei', last_name: 'Zhang', full_name: 'Wei Zhang', company: 'Globex', owner: 'Riley Rep', phone: null, lead_status: null, created_at: new Date('2024-02-12T09:30:00Z') },
      { record_id: '10', crm_object: 'person', email: 'ola@fjord.example', first_name: null, last_name: null, full_name: 'Ola Nordmann', company: 'Fjord AS', owner: 'Riley Rep', phone: '+47 912 34 567', lead_status: null, created_at: new Date('2024-05-01T10:00:00Z') },
    ]);
    expect(await warehouse.all(`select line, column_name, value, reason from raw_crm.import_issues`)).toEqual([
      { line: 4, column_name: 'Person - Email - Work', value: 'not-an-email', reason: 'not a valid email address' },
    ]);
    expect(await warehouse.all(`select record_id, crm_object, company, domain, owner from raw_crm.companies order by record_id`)).toEqual([
      { record_id: '100', crm_object: 'organization', company: 'Acme Inc', domain: 'acme.example', owner: 'Sam Sales' },
      { record_id: '101', crm_object: 'organization', company: 'Globex', domain: null, owner: 'Riley Rep' },
    ]);
    expect(
      await warehouse.all(
        `select record_id, title, amount_minor, currency, stage, status, pipeline, strftime(close_date, '%Y-%m-%d') as close_date, owner, company, company_id, contact_ids, contact_emails, contact_names, created_at from raw_crm.deals order by record_id`,
      ),
    ).toEqual([
      { record_id: '500', title: 'Acme annual plan', amount_minor: 1200000, currency: 'usd', stage: 'Negotiation', status: 'open', pipeline: 'Default pipeline', close_date: '2024-06-30', owner: 'Sam Sales', company: 'Acme Inc', company_id: '100', contact_ids: ['1'], contact_emails: ['jane@acme.example'], contact_names: ['Jane Doe'], created_at: new Date('2024-03-01T10:00:00Z') },
      { record_id: '501', title: 'Globex pilot', amount_minor: 150050, currency: 'eur', stage: 'Won', status: 'won', pipeline: 'Default pipeline', close_date: '2024-04-20', owner: 'Riley Rep', company: 'Globex', company_id: '101', contact_ids: ['3'], contact_emails: ['wei@globex.example'], contact_names: ['Wei Zhang'], created_at: new Date('2024-03-05T11:00:00Z') },
    ]);
  });
});

describe('generic files', () => {
  it('imports any CSV through --map', async () => {
    const [result] = await importCrmFiles({
      warehouse,
      files: [fixture('generic/customers.csv')],
      system: 'generic',
      map: { email: 'E-mail Address', full_name: 'Full name', record_id: 'Customer No', created_at: 'Signed up' },
    });
    expect(result!.detected).toBe('generic contacts file (--system generic --map)');
    expect(await warehouse.all('select system, record_id, email, full_name, created_at, data->>\'Plan\' as plan from raw_crm.contacts order by record_id')).toEqual([
      { system: 'generic', record_id: 'C-001', email: 'ada@example.com', full_name: 'Ada Lovelace', created_at: new Date('2024-01-01T00:00:00Z'), plan: 'Pro' },
      { system: 'generic', record_id: 'C-002', email: 'alan@example.com', full_name: 'Alan Turing', created_at: new Date('2024-03-02T00:00:00Z'), plan: 'Free' },
    ]);
  });

  it('keys a file without a record id column by its email', async () => {
    const path = join(dir.path, 'emails.csv');
    writeFileSync(path, 'Email,Name\nAda@Example.com,Ada\nalan@example.com,Alan\n');
    await importCrmFiles({ warehouse, files: [path], system: 'generic' });
    expect(await warehouse.all('select record_id, email, full_name from raw_crm.contacts order by record_id')).toEqual([
      { record_id: 'ada@example.com', email: 'ada@example.com', full_name: 'Ada' },
      { record_id: 'alan@example.com', email: 'alan@example.com', full_name: 'Alan' },
    ]);
  });
});

describe('re-imports', () => {
  it('the same file again changes nothing and says so', async () => {
    const [first] = await importCrmFiles({ warehouse, files: [fixture('hubspot/contacts.csv')] });
    const before = await warehouse.all('select * from raw_crm.contacts order by line');
    // A copy under another name is still the same export.
    const copy = join(dir.path, 'contacts-copy.csv');
    copyFileSync(fixture('hubspot/contacts.csv'), copy);
    const [again] = await importCrmFiles({ warehouse, files: [copy] });
    expect(again).toMatchObject({ status: 'already-imported', importId: first!.importId, newRecords: 0, updatedRecords: 0 });
    expect(await warehouse.all('select * from raw_crm.contacts order by line')).toEqual(before);
    expect((await warehouse.one<{ n: number }>('select count(*) as n from raw_crm.imports'))!.n).toBe(1);
  });

  it('a newer export updates records by record id; the newest wins, records it lacks stay', async () => {
    const older = join(dir.path, 'older.csv');
    const newer = join(dir.path, 'newer.csv');
    writeFileSync(older, 'Record ID,Email,First Name,Lifecycle Stage\n1,ada@example.com,Ada,lead\n2,alan@example.com,Alan,lead\n3,grace@example.com,Grace,lead\n');
    writeFileSync(newer, 'Record ID,Email,First Name,Lifecycle Stage\n2,alan@example.com,Alan,customer\n3,grace@example.com,Grace,lead\n4,edsger@example.com,Edsger,subscriber\n');
    const [first] = await importCrmFiles({ warehouse, files: [older] });
    const [second] = await importCrmFiles({ warehouse, files: [newer] });
    expect(second).toMatchObject({ rows: 3, newRecords: 1, updatedRecords: 1, unchangedRecords: 1 });
    const rows = await warehouse.all<{ record_id: string; lifecycle_stage: string; import_id: string; line: number }>(
      'select record_id, lifecycle_stage, import_id, line from raw_crm.contacts order by record_id',
    );
    expect(rows).toEqual([
      { record_id: '1', lifecycle_stage: 'lead', import_id: first!.importId, line: 2 },
      { record_id: '2', lifecycle_stage: 'customer', import_id: second!.importId, line: 2 },
      { record_id: '3', lifecycle_stage: 'lead', import_id: second!.importId, line: 3 },
      { record_id: '4', lifecycle_stage: 'subscriber', import_id: second!.importId, line: 4 },
    ]);
  });

  it('records of another system with the same id are other records', async () => {
    await importCrmFiles({ warehouse, files: [fixture('pipedrive/persons.csv')] });
    const path = join(dir.path, 'generic.csv');
    writeFileSync(path, 'ID,Email\n1,someone@example.com\n');
    const [result] = await importCrmFiles({ warehouse, files: [path], system: 'generic' });
    expect(result).toMatchObject({ newRecords: 1, updatedRecords: 0 });
    expect((await warehouse.one<{ n: number }>(`select count(*) as n from raw_crm.contacts where record_id = '1'`))!.n).toBe(2);
  });
});

describe('parsing on a worker thread (big files)', () => {
  it('gives the same rows, lines and issues as parsing on this thread', async () => {
    const inline = join(dir.path, 'inline.duckdb');
    const threaded = join(dir.path, 'threaded.duckdb');
    const contents = async (path: string, parseThreadFromBytes: number) => {
      const target = await Warehouse.open({ path });
      try {
        await importCrmFiles({ warehouse: target, files: [fixture('hubspot/deals.csv'), fixture('pipedrive/persons.csv')], parseThreadFromBytes });
        return {
          deals: await target.all('select * exclude (import_id) from raw_crm.deals order by line'),
          contacts: await target.all('select * exclude (import_id) from raw_crm.contacts order by line'),
          issues: await target.all('select * exclude (import_id) from raw_crm.import_issues order by file, line, column_name'),
        };
      } finally {
        await target.close();
      }
    };
    const onThread = await contents(threaded, 0);
    expect(onThread.deals).toHaveLength(5);
    expect(onThread.issues).toHaveLength(3);
    expect(onThread).toEqual(await contents(inline, Number.POSITIVE_INFINITY));
  });

  it('reports a parse error from the thread with its file and line, and leaves the warehouse as it was', async () => {
    const broken = join(dir.path, 'broken-on-thread.csv');
    writeFileSync(broken, 'Record ID,Email,Lifecycle Stage\n1,ada@example.com,lead\n2,"alan@example.com,lead\n3,grace@example.com,lead\n');
    await expect(importCrmFiles({ warehouse, files: [fixture('hubspot/contacts.csv'), broken], parseThreadFromBytes: 0 })).rejects.toThrow(
      `${broken} line 3: a quoted field starts on this line and is never closed before the end of the file.`,
    );
    expect(await warehouse.one('select count(*) as n from raw_crm.contacts')).toEqual({ n: 0 });
    expect(await warehouse.one('select count(*) as n from raw_crm.imports')).toEqual({ n: 0 });
  });
});

describe('the import command', () => {
  it('prints what it detected and a summary; several files are one transaction', async () => {
    await warehouse.close();
    const ok = await runCli(['import', 'crm', fixture('hubspot/companies.csv'), fixture('hubspot/deals.csv')], { db });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("detected: HubSpot companies export, by 'Record ID', 'Company name', 'Company Domain Name'");
    expect(ok.stdout).toMatch(/3 rows into raw_crm\.companies: 3 new, 0 updated, 0 unchanged; 0 issues/);
    expect(ok.stdout).toMatch(/5 rows into raw_crm\.deals: 5 new, 0 updated, 0 unchanged; 2 issues/);
    expect(ok.stdout).toContain("line 6, Amount 'about 5k': not an amount we can read");
    expect(ok.stdout).toContain('2 files: 2 imported (8 rows, 2 issues), 0 already imported.');
    expect(ok.stdout.match(/read by DuckDB's CSV reader/g)).toHaveLength(2);

    const before = await snapshotCrm(db);
    const broken = join(dir.path, 'broken.csv');
    writeFileSync(broken, 'Record ID,Email,Lifecycle Stage\n1,"ada@example.com,lead\n');
    const failed = await runCli(['import', 'crm', fixture('hubspot/contacts.csv'), broken], { db });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toBe(`error: ${broken} line 2: a quoted field starts on this line and is never closed before the end of the file.\n`);
    // The good file ahead of it was rolled back with it.
    expect(await snapshotCrm(db)).toEqual(before);

    const again = await runCli(['import', 'crm', fixture('hubspot/companies.csv')], { db });
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/already imported \(same sha256\) as imp_\S+ on \d{4}-\d\d-\d\d \d\d:\d\d UTC: nothing changed/);
    warehouse = await Warehouse.open({ path: db });
    // Every run is in the run history, the failed one with its error.
    expect(await warehouse.all(`select status, counts->>'rows' as rows, counts->>'issues' as issues, error from meta.runs where command = 'import crm' order by started_at`)).toEqual([
      { status: 'succeeded', rows: '8', issues: '2', error: null },
      { status: 'failed', rows: null, issues: null, error: `${broken} line 2: a quoted field starts on this line and is never closed before the end of the file.` },
      { status: 'succeeded', rows: '0', issues: '0', error: null },
    ]);
  });

  it('refuses bad options with exit 2, and reads row by row when asked', async () => {
    await warehouse.close();
    const badSystem = await runCli(['import', 'crm', fixture('hubspot/contacts.csv'), '--system', 'zoho'], { db });
    expect(badSystem.status).toBe(2);
    expect(badSystem.stderr).toContain("--system must be one of hubspot, salesforce, pipedrive, generic (got 'zoho')");
    const badMap = await runCli(['import', 'crm', fixture('generic/customers.csv'), '--system', 'generic', '--map', 'colour=Plan'], { db });
    expect(badMap.status).toBe(2);
    expect(badMap.stderr).toContain("--map names an unknown field 'colour'");
    const badReader = await runCli(['import', 'crm', fixture('hubspot/contacts.csv'), '--reader', 'fast'], { db });
    expect(badReader.status).toBe(2);
    expect(badReader.stderr).toContain("--reader must be auto or csv-parse (got 'fast')");
    const rowByRow = await runCli(['import', 'crm', fixture('hubspot/contacts.csv'), '--reader', 'csv-parse'], { db });
    expect(rowByRow.status).toBe(0);
    expect(rowByRow.stdout).toContain('read row by row (csv-parse): asked for');
    const help = await runCli(['import', 'crm', '--help'], { db });
    expect(help.status).toBe(0);
    for (const example of ['hubspot-crm-exports-all-contacts.csv', '--system salesforce --object lead', 'Contact.csv Lead.csv', 'people-export.csv', '--system generic --map']) {
      expect(help.stdout).toContain(example);
    }
    warehouse = await Warehouse.open({ path: db });
  });
});
