import type { ColumnMap } from '../columnMap.js';
import type { CrmField, CrmObjectType } from '../types.js';

/**
 * Any other CSV: common header spellings, overridden field by field with
 * `--map email="E-mail Address",record_id=ID`. Never chosen by detection: the
 * user asks for it with `--system generic`.
 */
const commonSpellings: Partial<Record<CrmField, readonly string[]>> = {
  record_id: ['Record ID', 'ID', 'Customer ID', 'Contact ID'],
  email: ['Email', 'E-mail', 'Email Address', 'E-mail Address'],
  first_name: ['First Name', 'Firstname', 'Given Name'],
  last_name: ['Last Name', 'Lastname', 'Surname', 'Family Name'],
  full_name: ['Full Name', 'Name'],
  company: ['Company', 'Company Name', 'Organization', 'Organisation', 'Account'],
  owner: ['Owner'],
  phone: ['Phone', 'Phone Number', 'Mobile', 'Telephone'],
  lifecycle_stage: ['Lifecycle Stage'],
  lead_status: ['Lead Status', 'Status'],
  created_at: ['Created At', 'Created', 'Create Date', 'Created Date', 'Date Created'],
};

const dealSpellings: Partial<Record<CrmField, readonly string[]>> = {
  record_id: ['Record ID', 'ID', 'Deal ID'],
  title: ['Title', 'Deal Name', 'Deal', 'Name'],
  amount: ['Amount', 'Value'],
  currency: ['Currency'],
  stage: ['Stage', 'Deal Stage'],
  pipeline: ['Pipeline'],
  status: ['Status'],
  close_date: ['Close Date', 'Closed At'],
  owner: ['Owner'],
  created_at: ['Created At', 'Created', 'Create Date', 'Created Date'],
  contact_emails: ['Contact Email', 'Email'],
  company: ['Company', 'Organization', 'Account'],
};

const companySpellings: Partial<Record<CrmField, readonly string[]>> = {
  record_id: ['Record ID', 'ID', 'Company ID'],
  company: ['Company', 'Company Name', 'Name', 'Organization'],
  domain: ['Domain', 'Website'],
  owner: ['Owner'],
  phone: ['Phone', 'Phone Number'],
  created_at: ['Created At', 'Created', 'Create Date', 'Created Date'],
};

const spellingsFor: Record<CrmObjectType, Partial<Record<CrmField, readonly string[]>>> = {
  contact: commonSpellings,
  company: companySpellings,
  deal: dealSpellings,
};

/** The generic map of an object type; `--map` then replaces fields of it (see `withMapOverrides`). */
export function genericMap(objectType: CrmObjectType): ColumnMap {
  return {
    system: 'generic',
    objectType,
    crmObject: objectType,
    label: `generic ${objectType === 'company' ? 'companies' : `${objectType}s`} file`,
    signature: [],
    fields: spellingsFor[objectType],
  };
}
