import { withOptionalPrefix, type ColumnMap } from '../columnMap.js';

/**
 * Pipedrive exports name columns `Entity - Field` (`Person - Email - Work`,
 * `Deal - Value`), newer ones also without the prefix (`Email - Work`,
 * `Contact person`). Emails and phones come one column per label (Work, Home,
 * Other, Mobile), or in older exports one column. A deals export also carries
 * the person's and organization's columns, so the person and organization
 * maps rule deal columns out.
 */
const emailColumns = ['Email', 'Email - Work', 'Email - Home', 'Email - Other', 'Email (Work)', 'Email (Home)', 'Email (Other)'];
const phoneColumns = ['Phone', 'Phone - Work', 'Phone - Mobile', 'Phone - Home', 'Phone - Other', 'Phone (Work)', 'Phone (Mobile)', 'Phone (Home)', 'Phone (Other)'];
const dealMarkers = ['Deal - ID', 'Deal - Title', 'Deal - Value', 'Deal - Deal created', 'Deal created'];

export const pipedrivePersons: ColumnMap = {
  system: 'pipedrive',
  objectType: 'contact',
  crmObject: 'person',
  label: 'Pipedrive persons export',
  signature: [
    withOptionalPrefix('Person - ', ['ID', 'Name', 'First name', 'Last name']),
    ['Person - Email', 'Person - Email - Work', 'Person - Email - Home', 'Person - Email - Other', 'Person - Phone', 'Person - Phone - Work', 'Person - Phone - Mobile', 'Person - Organization', 'Person - Owner', 'Person - Person created', 'Email - Work', 'Email - Home', 'Email - Other', 'Phone - Work', 'Phone - Mobile', 'Phone - Home', 'Person created'],
  ],
  excludes: dealMarkers,
  fields: {
    record_id: withOptionalPrefix('Person - ', ['ID', 'Pipedrive System ID']),
    email: withOptionalPrefix('Person - ', emailColumns),
    first_name: withOptionalPrefix('Person - ', ['First name']),
    last_name: withOptionalPrefix('Person - ', ['Last name']),
    full_name: withOptionalPrefix('Person - ', ['Name']),
    company: withOptionalPrefix('Person - ', ['Organization', 'Organization name']),
    company_id: withOptionalPrefix('Person - ', ['Organization ID']),
    owner: withOptionalPrefix('Person - ', ['Owner']),
    phone: withOptionalPrefix('Person - ', phoneColumns),
    lead_status: withOptionalPrefix('Person - ', ['Label', 'Labels']),
    created_at: withOptionalPrefix('Person - ', ['Person created', 'Creation date', 'Add time']),
  },
};

export const pipedriveOrganizations: ColumnMap = {
  system: 'pipedrive',
  objectType: 'company',
  crmObject: 'organization',
  label: 'Pipedrive organizations export',
  signature: [
    withOptionalPrefix('Organization - ', ['ID', 'Name']),
    ['Organization - Owner', 'Organization - Address', 'Organization - People', 'Organization - Organization created', 'Organization - Open deals', 'Organization - Won deals', 'Organization - Label', 'Organization - Labels', 'Organization created', 'People', 'Open deals', 'Won deals', 'Closed deals'],
  ],
  excludes: [...dealMarkers, 'Person - ID', 'Person - Name', 'Email - Work', 'Person created'],
  fields: {
    record_id: withOptionalPrefix('Organization - ', ['ID', 'Pipedrive System ID']),
    company: withOptionalPrefix('Organization - ', ['Name']),
    domain: withOptionalPrefix('Organization - ', ['Website']),
    owner: withOptionalPrefix('Organization - ', ['Owner']),
    lead_status: withOptionalPrefix('Organization - ', ['Label', 'Labels']),
    created_at: withOptionalPrefix('Organization - ', ['Organization created', 'Creation date', 'Add time']),
  },
};

export const pipedriveDeals: ColumnMap = {
  system: 'pipedrive',
  objectType: 'deal',
  crmObject: 'deal',
  label: 'Pipedrive deals export',
  signature: [
    withOptionalPrefix('Deal - ', ['ID', 'Title']),
    ['Deal - Value', 'Deal - Stage', 'Deal - Status', 'Deal - Pipeline', 'Deal - Deal created', 'Deal - Owner', 'Deal - Expected close date', 'Deal - Currency', 'Value', 'Deal created', 'Expected close date', 'Currency of value', 'Stage (pipeline)'],
  ],
  fields: {
    record_id: withOptionalPrefix('Deal - ', ['ID', 'Pipedrive System ID']),
    title: withOptionalPrefix('Deal - ', ['Title']),
    amount: withOptionalPrefix('Deal - ', ['Value']),
    currency: withOptionalPrefix('Deal - ', ['Currency', 'Currency of value']),
    stage: withOptionalPrefix('Deal - ', ['Stage', 'Stage (pipeline)']),
    pipeline: withOptionalPrefix('Deal - ', ['Pipeline']),
    status: withOptionalPrefix('Deal - ', ['Status']),
    // An actual close wins over the expected one; open deals only have the latter.
    close_date: withOptionalPrefix('Deal - ', ['Closed on', 'Close time', 'Won time', 'Lost time', 'Expected close date']),
    owner: withOptionalPrefix('Deal - ', ['Owner']),
    created_at: withOptionalPrefix('Deal - ', ['Deal created', 'Creation date', 'Add time']),
    contact_ids: ['Person - ID', 'Deal - Person ID', 'Person ID'],
    contact_emails: ['Person - Email', 'Person - Email - Work', 'Person - Email - Home', 'Person - Email - Other'],
    contact_names: withOptionalPrefix('Deal - ', ['Contact person', 'Person']),
    company: [...withOptionalPrefix('Deal - ', ['Organization']), 'Organization - Name'],
    company_id: ['Organization - ID', 'Deal - Organization ID', 'Organization ID'],
  },
};

export const pipedriveMaps: readonly ColumnMap[] = [pipedrivePersons, pipedriveOrganizations, pipedriveDeals];
