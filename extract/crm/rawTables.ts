import type { CrmObjectType } from './types.js';

/**
 * The parsed columns of each `raw_crm` table, in the order rows carry them
 * from the parser to the warehouse. Migration 0300 creates the tables with
 * these columns between `record_id` and `data`; a test holds the two together.
 */
export type ParsedColumnType = 'varchar' | 'timestamptz' | 'date' | 'bigint' | 'varchar[]';

export interface ParsedColumn {
  readonly name: string;
  readonly type: ParsedColumnType;
}

export interface RawCrmTable {
  readonly table: 'contacts' | 'companies' | 'deals';
  readonly columns: readonly ParsedColumn[];
}

const text = (name: string): ParsedColumn => ({ name, type: 'varchar' });

export const rawCrmTables: Record<CrmObjectType, RawCrmTable> = {
  contact: {
    table: 'contacts',
    columns: [
      text('record_id'),
      text('email'),
      text('first_name'),
      text('last_name'),
      text('full_name'),
      text('company'),
      text('company_id'),
      text('owner'),
      text('phone'),
      text('lifecycle_stage'),
      text('lead_status'),
      { name: 'created_at', type: 'timestamptz' },
    ],
  },
  company: {
    table: 'companies',
    columns: [text('record_id'), text('company'), text('domain'), text('owner'), text('phone'), text('lifecycle_stage'), text('lead_status'), { name: 'created_at', type: 'timestamptz' }],
  },
  deal: {
    table: 'deals',
    columns: [
      text('record_id'),
      text('title'),
      { name: 'amount_minor', type: 'bigint' },
      text('currency'),
      text('stage'),
      text('pipeline'),
      text('status'),
      { name: 'close_date', type: 'date' },
      text('owner'),
      text('company'),
      text('company_id'),
      { name: 'contact_ids', type: 'varchar[]' },
      { name: 'contact_emails', type: 'varchar[]' },
      { name: 'contact_names', type: 'varchar[]' },
      { name: 'created_at', type: 'timestamptz' },
    ],
  },
};

/** The columns every `raw_crm` object table starts with. */
export const provenanceColumns = ['import_id', 'file', 'line', 'system', 'object_type', 'crm_object'] as const;
