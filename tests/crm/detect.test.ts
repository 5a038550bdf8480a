import { describe, expect, it } from 'vitest';
import { detectExport } from '../../extract/crm/detect.js';
import { parseMapOption } from '../../extract/crm/mapOption.js';
import { WorkError, UsageError } from '../../errors/index.js';

const detect = (headers: string[], options: Partial<Parameters<typeof detectExport>[1]> = {}) => detectExport(headers, { file: 'export.csv', ...options });

describe('export detection from headers', () => {
  it('names the export and the headers that gave it away', () => {
    const detection = detect(['Record ID', 'First Name', 'Last Name', 'Email', 'Lifecycle Stage', 'Contact owner', 'Create Date']);
    expect(detection.description).toBe("HubSpot contacts export, by 'Record ID', 'Email', 'Lifecycle Stage'");
    expect(detection.map.objectType).toBe('contact');
    expect(detection.columns.record_id).toEqual([0]);
    expect(detection.columns.email).toEqual([3]);
    expect(detection.columns.owner).toEqual([5]);
  });

  it.each([
    [['Record ID', 'Company name', 'Company Domain Name', 'Company owner'], 'HubSpot companies export', 'company'],
    [['Record ID', 'Deal Name', 'Deal Stage', 'Amount', 'Associated Contact IDs'], 'HubSpot deals export', 'deal'],
    [['Contact ID', 'First Name', 'Last Name', 'Email', 'Account Name', 'Contact Owner'], 'Salesforce contacts export (label style)', 'contact'],
    [['Lead ID', 'First Name', 'Last Name', 'Email', 'Company / Account', 'Lead Status', 'Lead Owner'], 'Salesforce leads export (label style)', 'lead'],
    [['Id', 'FirstName', 'LastName', 'Email', 'AccountId', 'Account.Name', 'OwnerId'], 'Salesforce contacts export (API-name style)', 'contact'],
    [['ID', 'FIRSTNAME', 'LASTNAME', 'EMAIL', 'COMPANY', 'STATUS'], 'Salesforce leads export (API-name style)', 'lead'],
    [['Person - ID', 'Person - Name', 'Person - Email - Work', 'Person - Organization'], 'Pipedrive persons export', 'person'],
    [['ID', 'Name', 'Email - Work', 'Phone - Mobile', 'Owner', 'Person created'], 'Pipedrive persons export', 'person'],
    [['Organization - ID', 'Organization - Name', 'Organization - Owner', 'Organization - People'], 'Pipedrive organizations export', 'organization'],
    [['Deal - ID', 'Deal - Title', 'Deal - Value', 'Deal - Stage', 'Person - Name', 'Person - Email - Work'], 'Pipedrive deals export', 'deal'],
    [['Deal - ID*', 'Deal - Title*', 'Deal - Value', 'Organization', 'Contact person'], 'Pipedrive deals export', 'deal'],
  ])('%j is a %s', (headers, label, crmObject) => {
    const detection = detect(headers);
    expect(detection.map.label).toBe(label);
    expect(detection.map.crmObject).toBe(crmObject);
  });

  it('reads header spellings case-blind and ignores stray spaces', () => {
    const detection = detect(['  record id ', 'EMAIL', 'first  name', 'lifecycle stage']);
    expect(detection.map.label).toBe('HubSpot contacts export');
    expect(detection.columns.email).toEqual([1]);
  });

  it('keeps a Pipedrive person from a deals export, whose person columns come along', () => {
    const detection = detect(['Deal - ID', 'Deal - Title', 'Deal - Value', 'Person - ID', 'Person - Name', 'Person - Email']);
    expect(detection.map.objectType).toBe('deal');
    expect(detection.columns.contact_emails).toEqual([5]);
  });

  it('refuses headers of no known export, listing what was expected and the generic way out', () => {
    let error: unknown;
    try {
      detect(['Name', 'Email', 'Plan']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WorkError);
    const message = (error as Error).message;
    expect(message).toContain('export.csv line 1');
    expect(message).toContain("'Name', 'Email', 'Plan'");
    expect(message).toContain("HubSpot contacts export: 'Record ID' + 'Email'");
    expect(message).toContain('--system generic --map');
  });

  it('says when the first line is data rather than a header', () => {
    expect(() => detect(['101', 'Ada', 'ada@example.com'])).toThrow(/export.csv line 1: the first line looks like data/);
  });

  it('refuses a tie instead of guessing', () => {
    // Unprefixed Pipedrive columns that fit persons (a work phone) and organizations (people, website) equally.
    expect(() => detect(['ID', 'Name', 'Owner', 'People', 'Website', 'Phone - Work'])).toThrow(
      "export.csv line 1: the headers fit both a Pipedrive persons export (by 'ID', 'Phone - Work') and a Pipedrive organizations export (by 'ID', 'People'); say which with --system and --object.",
    );
  });

  it('with --system picks that CRM even from a trimmed header set', () => {
    const detection = detect(['Record ID', 'Email'], { system: 'hubspot' });
    expect(detection.map.label).toBe('HubSpot contacts export');
    expect(detection.description).toBe('HubSpot contacts export (--system hubspot; 2 known columns)');
  });

  it('with --object chooses between the objects of a system', () => {
    const detection = detect(['Id', 'FirstName', 'LastName', 'Email', 'Company', 'Status', 'AccountId'], { system: 'salesforce', object: 'lead' });
    expect(detection.map.crmObject).toBe('lead');
  });

  it('fails a detected export that has neither a record id nor an email column', () => {
    expect(() => detect(['Deal - Title', 'Deal - Value', 'Deal - Stage'])).toThrow(
      "export.csv line 1: no identifying column: a Pipedrive deals export needs a record id or email column ('Deal - ID' or 'ID').",
    );
  });

  it('maps a generic file through --map, and names a mapped column the file lacks', () => {
    const map = parseMapOption(['email="E-mail Address",name="Full name"', 'record_id=Customer No']);
    expect(map).toEqual({ email: 'E-mail Address', full_name: 'Full name', record_id: 'Customer No' });
    const detection = detect(['Customer No', 'Full name', 'E-mail Address'], { system: 'generic', overrides: map });
    expect(detection.columns).toMatchObject({ record_id: [0], full_name: [1], email: [2] });
    expect(detection.description).toBe('generic contacts file (--system generic --map)');
    expect(() => detect(['Customer No', 'Full name'], { system: 'generic', overrides: map })).toThrow(
      /--map email="E-mail Address" names no column of the file; its columns are 'Customer No', 'Full name'/,
    );
  });

  it('rejects a malformed --map as a usage error', () => {
    expect(() => parseMapOption(['emailE-mail'])).toThrow(UsageError);
    expect(() => parseMapOption(['colour=Color'])).toThrow(/unknown field 'colour'/);
    expect(parseMapOption(['company="Acme, Inc. name"'])).toEqual({ company: 'Acme, Inc. name' });
  });
});
