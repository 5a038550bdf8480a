import type { ColumnType, Generated } from 'kysely';

/**
 * Typed tables that TypeScript code reads and writes through Kysely. Raw and
 * model tables are reached with SQL; these are the warehouse's own bookkeeping.
 */
export interface SyncStateTable {
  stream: string;
  /** 'backfill' while a full read is under way, 'incremental' once one has finished. */
  phase: string;
  /** Server time (epoch seconds) when the current or last full read began. */
  backfill_started_at: number | null;
  backfill_completed_at: number | null;
  /** Events are read from here on (epoch seconds, server time); null before any full read ends. */
  events_cursor: number | null;
  last_success_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  last_run_id: string | null;
  object_count: number | null;
}

export interface SyncWindowTable {
  stream: string;
  /** The created range [lo, hi] this window lists, epoch seconds inclusive. */
  lo: number;
  hi: number;
  /** Objects created after this have been read; the next page resumes at created <= cursor. */
  cursor: number | null;
  done: boolean;
  pages: number;
  objects: number;
}

export interface RunTable {
  run_id: string;
  command: string;
  started_at: ColumnType<Date, Date | string, Date | string>;
  ended_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  status: string;
  counts: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  error: string | null;
  pid: number | null;
}

export interface MigrationTable {
  id: string;
  applied_at: ColumnType<Date, Date | string, Date | string>;
}

/** One model (or seed) built by one `tributary build` run, failed ones included. */
export interface ModelBuildTable {
  run_id: string;
  model: string;
  schema: string;
  /** 'table', 'view' or 'seed'. */
  materialized: string;
  /** Rows of a table; null for views (counting one would run it). */
  rows: number | null;
  seconds: number | null;
  /** 'ok' or 'failed'. */
  status: string;
  error: string | null;
}

/** Every model and seed of the project with its YAML description; rewritten by each build (the data dictionary). */
export interface ModelDocTable {
  model: string;
  schema: string;
  /** 'staging', 'intermediate', 'marts' or 'seeds'. */
  layer: string;
  description: string | null;
  materialized: string | null;
  /** The model's file, relative to the project root. */
  file: string | null;
}

/** Every column of every model as built, with its YAML description; rewritten by each build. */
export interface ColumnDocTable {
  model: string;
  column: string;
  /** 1-based, in the table's column order. */
  position: number;
  data_type: string | null;
  description: string | null;
}

/** One imported CRM file (extract/crm): its hash makes a second import of the same file a no-op. */
export interface CrmImportTable {
  import_id: string;
  /** Absolute path at import time. */
  file: string;
  sha256: string;
  bytes: number;
  system: string;
  /** contact, company or deal: the raw_crm table the rows went to. */
  object_type: string;
  /** The CRM's own name for the object: contact, lead, person, organization, company, deal. */
  crm_object: string;
  /** "HubSpot contacts export, by 'Record ID', 'Email', 'Lifecycle Stage'". */
  detected_by: string;
  encoding: string;
  delimiter: string;
  /** The header row as a JSON array. */
  columns: ColumnType<string[], string, string>;
  rows: number;
  new_records: number;
  updated_records: number;
  unchanged_records: number;
  issues: number;
  imported_at: ColumnType<Date, Date | string, Date | string>;
  seconds: number;
}

/** A row-level problem of an import: the row was kept with the field NULL. */
export interface CrmImportIssueTable {
  import_id: string;
  file: string;
  line: number;
  column_name: string | null;
  value: string | null;
  reason: string;
}

/** Columns by which CRM context names its customer (see extract/crm/context). */
export interface CrmCustomerColumns {
  /** As typed, normalized: a Stripe id (cus_...), crm:<system>:<record id>, or a lower-cased email. */
  customer_key: string;
  /** 'stripe_customer', 'crm_record' or 'email'. */
  key_kind: string;
  /** Normalized email: the one typed, or the resolved customer's. */
  email: string | null;
  /** The marts.customers id it resolved to when written; null before the first build. */
  customer_id: string | null;
}

export interface CrmNoteTable extends CrmCustomerColumns {
  note_id: string;
  /** 'note' or 'call'. */
  kind: string;
  body: string;
  occurred_at: ColumnType<Date, Date | string, Date | string>;
  duration_minutes: number | null;
  author: string | null;
  created_at: ColumnType<Date, Date | string, Date | string>;
}

export interface CrmTaskTable extends CrmCustomerColumns {
  task_id: string;
  subject: string;
  /** YYYY-MM-DD. */
  due_date: ColumnType<Date | null, string | null, string | null>;
  /** 'open' or 'done'. */
  status: string;
  author: string | null;
  created_at: ColumnType<Date, Date | string, Date | string>;
  completed_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
}

export interface CrmTagTable extends CrmCustomerColumns {
  tag: string;
  author: string | null;
  created_at: ColumnType<Date, Date | string, Date | string>;
}

/** An event whose objects the Stripe extractor refetched for a stream; kept while inside the cursor overlap. */
export interface StripeAppliedEventTable {
  stream: string;
  event_id: string;
  created: number;
}

/** One step of a refresh (meta.runs command 'refresh'): extract, build, publish or reports. */
export interface RefreshStepTable {
  /** The refresh's run id in meta.runs. */
  run_id: string;
  step: string;
  /** 1-based order of the step in its refresh. */
  position: number;
  /** The step's own meta.runs row (the extract's or the build's), when it has one. */
  step_run_id: string | null;
  started_at: ColumnType<Date, Date | string, Date | string>;
  ended_at: ColumnType<Date, Date | string, Date | string>;
  seconds: number;
  /** 'ok' or 'failed'. */
  status: string;
  counts: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  error: string | null;
}

/** A Stripe webhook event that `tributary serve` received and a refresh applied. */
export interface WebhookEventTable {
  event_id: string;
  event_type: string;
  /** The event's own `created`. */
  created_at: ColumnType<Date, Date | string, Date | string>;
  /** When serve stored it (before answering 2xx). */
  received_at: ColumnType<Date, Date | string, Date | string>;
  applied_at: ColumnType<Date, Date | string, Date | string>;
  run_id: string;
}

export interface WarehouseSchema {
  'meta.refresh_steps': RefreshStepTable;
  'meta.webhook_events': WebhookEventTable;
  'meta.stripe_applied_events': StripeAppliedEventTable;
  'meta.model_builds': ModelBuildTable;
  'raw_crm.imports': CrmImportTable;
  'raw_crm.import_issues': CrmImportIssueTable;
  'crm.notes': CrmNoteTable;
  'crm.tasks': CrmTaskTable;
  'crm.tags': CrmTagTable;
  'meta.model_docs': ModelDocTable;
  'meta.column_docs': ColumnDocTable;
  'meta.sync_state': SyncStateTable;
  'meta.sync_windows': SyncWindowTable;
  'meta.runs': RunTable;
  'meta.migrations': MigrationTable;
}

export type { Generated };
