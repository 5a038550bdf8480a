import type { ColumnMap } from '../columnMap.js';

/**
 * HubSpot exports (Contacts/Companies/Deals > Export). Every export carries
 * `Record ID`; association columns hold `;`-separated lists, and
 * `Associated Contact` names each contact as `Name (email)`.
 */
const hubspotActivityColumns = ['Create Date', 'Last Activity Date', 'Last Modified Date'];

export const hubspotContacts: ColumnMap = {
  system: 'hubspot',
  objectType: 'contact',
  crmObject: 'contact',
  label: 'HubSpot contacts export',
  signature: [
    ['Record ID', 'Contact ID'],
    ['Email', 'First Name', 'Last Name'],
    ['Lifecycle Stage', 'Lead Status', 'Contact owner', 'Phone Number', 'Marketing contact status', 'Associated Company', 'Primary Associated Company ID', ...hubspotActivityColumns],
  ],
  excludes: ['Deal Name', 'Company Domain Name', 'Lead ID', 'Account Name'],
  fields: {
    record_id: ['Record ID', 'Contact ID'],
    email: ['Email', 'Email Address'],
    first_name: ['First Name'],
    last_name: ['Last Name'],
    full_name: ['Full Name'],
    company: ['Company Name', 'Associated Company', 'Primary Associated Company'],
    company_id: ['Primary Associated Company ID', 'Associated Company IDs', 'Associated Company ID'],
    owner: ['Contact owner', 'HubSpot Owner'],
    phone: ['Phone Number', 'Mobile Phone Number'],
    lifecycle_stage: ['Lifecycle Stage'],
    lead_status: ['Lead Status'],
    created_at: ['Create Date'],
  },
};

export const hubspotCompanies: ColumnMap = {
  system: 'hubspot',
  objectType: 'company',
  crmObject: 'company',
  label: 'HubSpot companies export',
  signature: [
    ['Record ID', 'Company ID'],
    ['Company name'],
    ['Company Domain Name', 'Company owner', 'Website URL', 'Industry', 'Number of Employees', 'Annual Revenue', 'Lifecycle Stage', ...hubspotActivityColumns],
  ],
  excludes: ['Email', 'First Name', 'Last Name', 'Deal Name'],
  fields: {
    record_id: ['Record ID', 'Company ID'],
    company: ['Company name'],
    domain: ['Company Domain Name', 'Website URL'],
    owner: ['Company owner', 'HubSpot Owner'],
    phone: ['Phone Number'],
    lifecycle_stage: ['Lifecycle Stage'],
    lead_status: ['Lead Status'],
    created_at: ['Create Date'],
  },
};

export const hubspotDeals: ColumnMap = {
  system: 'hubspot',
  objectType: 'deal',
  crmObject: 'deal',
  label: 'HubSpot deals export',
  signature: [
    ['Record ID', 'Deal ID'],
    ['Deal Name'],
    ['Deal Stage', 'Pipeline', 'Amount', 'Close Date', 'Deal owner'],
  ],
  fields: {
    record_id: ['Record ID', 'Deal ID'],
    title: ['Deal Name'],
    amount: ['Amount', 'Amount in company currency'],
    currency: ['Currency', 'Deal currency code'],
    stage: ['Deal Stage'],
    pipeline: ['Pipeline'],
    close_date: ['Close Date'],
    owner: ['Deal owner', 'HubSpot Owner'],
    created_at: ['Create Date'],
    contact_ids: ['Associated Contact IDs', 'Associated Contact ID'],
    contact_emails: ['Associated Contact'],
    contact_names: ['Associated Contact'],
    company: ['Associated Company'],
    company_id: ['Associated Company IDs', 'Associated Company ID'],
  },
};

export const hubspotMaps: readonly ColumnMap[] = [hubspotContacts, hubspotCompanies, hubspotDeals];
