import { z } from 'zod';

/** The CRMs whose exports we read; `generic` is any CSV with a column map. */
export const crmSystems = ['hubspot', 'salesforce', 'pipedrive', 'generic'] as const;
export type CrmSystem = (typeof crmSystems)[number];

/** What a row describes; each has its own table in `raw_crm`. */
export const crmObjectTypes = ['contact', 'company', 'deal'] as const;
export type CrmObjectType = (typeof crmObjectTypes)[number];

/** What `--object` accepts: an object type, or a CRM's own name for one. */
export const crmObjectNames = ['contact', 'lead', 'person', 'company', 'organization', 'deal'] as const;
export const objectTypeOfName: Record<string, CrmObjectType> = {
  contact: 'contact',
  lead: 'contact',
  person: 'contact',
  company: 'company',
  organization: 'company',
  deal: 'deal',
};

/**
 * The fields a row is parsed into. One list for every system, so the column
 * maps, the `--map` option, the staging SQL and the tables agree on names.
 */
export const crmFields = [
  'record_id',
  'email',
  'first_name',
  'last_name',
  'full_name',
  'company',
  'company_id',
  'domain',
  'owner',
  'phone',
  'lifecycle_stage',
  'lead_status',
  'created_at',
  'title',
  'amount',
  'currency',
  'stage',
  'pipeline',
  'status',
  'close_date',
  'contact_ids',
  'contact_emails',
  'contact_names',
] as const;
export type CrmField = (typeof crmFields)[number];

const nullableText = z.string().min(1).nullable();

/**
 * The typed shape of one imported row, whatever the system. Fields an export
 * does not have are null; a value that failed validation is null too, with an
 * issue recorded for its line. `amount_minor` is integer minor units of
 * `currency` (or of two-decimal units when the export names no currency), as
 * Stripe counts money.
 */
export const crmRecordSchema = z.object({
  record_id: nullableText,
  email: z.email().nullable(),
  first_name: nullableText,
  last_name: nullableText,
  full_name: nullableText,
  company: nullableText,
  company_id: nullableText,
  domain: nullableText,
  owner: nullableText,
  phone: nullableText,
  lifecycle_stage: nullableText,
  lead_status: nullableText,
  /** ISO 8601 instant, UTC. */
  created_at: z.iso.datetime().nullable(),
  title: nullableText,
  amount_minor: z.number().int().nullable(),
  currency: z.string().regex(/^[a-z]{3}$/).nullable(),
  stage: nullableText,
  pipeline: nullableText,
  status: nullableText,
  /** YYYY-MM-DD. */
  close_date: z.iso.date().nullable(),
  contact_ids: z.array(z.string()).nullable(),
  contact_emails: z.array(z.email()).nullable(),
  contact_names: z.array(z.string()).nullable(),
});
export type CrmRecord = z.infer<typeof crmRecordSchema>;

/** A row-level problem: the row is kept, the parsed field left null. */
export interface ImportIssue {
  readonly line: number;
  /** The column as the export spells it; null when the problem is the row's shape. */
  readonly column: string | null;
  readonly value: string | null;
  readonly reason: string;
}
