import type { ColumnMap } from '../columnMap.js';

/**
 * Salesforce writes two header styles: reports and list views export field
 * labels (`First Name`, `Account Name`, `Lead Status`), Data Export, Data
 * Loader and Workbench export API names (`FirstName`, `Account.Name`,
 * `Status`; Data Loader upper-cases them, which the case-blind match absorbs).
 * Leads and contacts both land in `raw_crm.contacts`: their ids never collide
 * (contacts start with 003, leads with 00Q).
 */
const personLabels = ['Email', 'First Name', 'Last Name'];
const personApiNames = ['Email', 'FirstName', 'LastName'];

export const salesforceContactsLabels: ColumnMap = {
  system: 'salesforce',
  objectType: 'contact',
  crmObject: 'contact',
  label: 'Salesforce contacts export (label style)',
  signature: [['Contact ID', 'Contact Owner'], personLabels, ['Account Name', 'Title', 'Mailing City', 'Mailing Country', 'Lead Source', 'Created Date', 'Account ID']],
  excludes: ['Record ID', 'Lead ID', 'Lead Status', 'Lead Owner'],
  fields: {
    record_id: ['Contact ID'],
    email: ['Email'],
    first_name: ['First Name'],
    last_name: ['Last Name'],
    full_name: ['Full Name', 'Contact: Full Name', 'Contact Name'],
    company: ['Account Name', 'Account: Account Name'],
    company_id: ['Account ID', 'Account: Account ID'],
    owner: ['Contact Owner', 'Contact Owner: Full Name', 'Owner Name'],
    phone: ['Phone', 'Mobile', 'Business Phone'],
    created_at: ['Created Date', 'Contact: Created Date'],
  },
};

export const salesforceLeadsLabels: ColumnMap = {
  system: 'salesforce',
  objectType: 'contact',
  crmObject: 'lead',
  label: 'Salesforce leads export (label style)',
  signature: [['Lead ID', 'Lead Owner', 'Lead Status'], personLabels, ['Company / Account', 'Company', 'Lead Status', 'Lead Source', 'Rating', 'Created Date']],
  excludes: ['Record ID', 'Contact ID', 'Account Name'],
  fields: {
    record_id: ['Lead ID'],
    email: ['Email'],
    first_name: ['First Name'],
    last_name: ['Last Name'],
    full_name: ['Full Name', 'Name'],
    company: ['Company / Account', 'Company'],
    owner: ['Lead Owner', 'Lead Owner: Full Name'],
    phone: ['Phone', 'Mobile'],
    lead_status: ['Lead Status'],
    created_at: ['Created Date', 'Create Date'],
  },
};

export const salesforceContactsApi: ColumnMap = {
  system: 'salesforce',
  objectType: 'contact',
  crmObject: 'contact',
  label: 'Salesforce contacts export (API-name style)',
  signature: [['Id'], personApiNames, ['AccountId', 'Account.Name', 'ReportsToId', 'MailingCity', 'MailingCountry']],
  excludes: ['IsConverted', 'ConvertedContactId', 'Company'],
  fields: {
    record_id: ['Id'],
    email: ['Email'],
    first_name: ['FirstName'],
    last_name: ['LastName'],
    full_name: ['Name'],
    company: ['Account.Name'],
    company_id: ['AccountId', 'Account.Id'],
    owner: ['Owner.Name', 'OwnerId'],
    phone: ['Phone', 'MobilePhone'],
    created_at: ['CreatedDate'],
  },
};

export const salesforceLeadsApi: ColumnMap = {
  system: 'salesforce',
  objectType: 'contact',
  crmObject: 'lead',
  label: 'Salesforce leads export (API-name style)',
  signature: [['Id'], personApiNames, ['Status', 'IsConverted', 'ConvertedContactId', 'Company']],
  excludes: ['AccountId', 'Account.Name'],
  fields: {
    record_id: ['Id'],
    email: ['Email'],
    first_name: ['FirstName'],
    last_name: ['LastName'],
    full_name: ['Name'],
    company: ['Company'],
    owner: ['Owner.Name', 'OwnerId'],
    phone: ['Phone', 'MobilePhone'],
    lead_status: ['Status'],
    created_at: ['CreatedDate'],
  },
};

export const salesforceMaps: readonly ColumnMap[] = [salesforceContactsLabels, salesforceLeadsLabels, salesforceContactsApi, salesforceLeadsApi];
