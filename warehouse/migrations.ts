/**
 * The warehouse's own tables, in the order they were introduced. A migration
 * is never edited once released: a change is a new entry, so an old warehouse
 * file upgrades in place.
 */
export interface Migration {
  readonly id: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  {
    id: '0001_schemas',
    sql: `
      create schema if not exists raw_stripe;
      create schema if not exists raw_crm;
      create schema if not exists meta;
    `,
  },
  {
    id: '0002_runs',
    sql: `
      create table meta.runs (
        run_id varchar primary key,
        command varchar not null,
        started_at timestamptz not null,
        ended_at timestamptz,
        status varchar not null,
        counts json,
        error varchar,
        pid integer
      );
    `,
  },
  {
    id: '0003_sync_state',
    sql: `
      create table meta.sync_state (
        stream varchar primary key,
        phase varchar not null,
        backfill_started_at bigint,
        backfill_completed_at bigint,
        events_cursor bigint,
        last_success_at timestamptz,
        last_run_id varchar,
        object_count bigint
      );
      create table meta.sync_windows (
        stream varchar not null,
        lo bigint not null,
        hi bigint not null,
        cursor bigint,
        done boolean not null default false,
        pages integer not null default 0,
        objects bigint not null default 0,
        primary key (stream, lo)
      );
    `,
  },
  {
    id: '0201_model_builds_and_docs',
    sql: `
      create table meta.model_builds (
        run_id varchar not null,
        model varchar not null,
        schema varchar not null,
        materialized varchar not null,
        rows bigint,
        seconds double,
        status varchar not null,
        error varchar
      );
      create table meta.model_docs (
        model varchar not null,
        schema varchar not null,
        layer varchar not null,
        description varchar,
        materialized varchar,
        file varchar
      );
      create table meta.column_docs (
        model varchar not null,
        "column" varchar not null,
        position integer not null,
        data_type varchar,
        description varchar
      );
    `,
  },
  {
    // The Stripe extractor's raw tables (one per stream of extract/stripe/streams.ts, so models
    // find them in a fresh warehouse) and the staging tables where a backfill's rows wait until
    // the stream is complete. Streams added to the registry later get theirs at run time.
    id: '0100_raw_stripe_staging',
    sql: `
      create schema if not exists raw_stripe_staging;
      create table if not exists raw_stripe.account (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false);
      create table if not exists raw_stripe.customers (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false);
      create table if not exists raw_stripe.products (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false);
      create table if not exists raw_stripe.prices (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false);
      create table if not exists raw_stripe.coupons (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false);
      create table if not exists raw_stripe.subscriptions (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false);
      create table if not exists raw_stripe.invoices (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false);
      create table if not exists raw_stripe.invoiceitems (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false);
      create table if not exists raw_stripe.charges (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false);
      create table if not exists raw_stripe.refunds (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false);
      create table if not exists raw_stripe.disputes (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false);
      create table if not exists raw_stripe.balance_transactions (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false);
      create table if not exists raw_stripe.credit_notes (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false);
      create table if not exists raw_stripe.payment_methods (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false);
      create table if not exists raw_stripe.events (id varchar primary key, data json not null, synced_at timestamptz not null, deleted boolean not null default false);
      create table if not exists raw_stripe_staging.account (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null);
      create table if not exists raw_stripe_staging.customers (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null);
      create table if not exists raw_stripe_staging.products (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null);
      create table if not exists raw_stripe_staging.prices (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null);
      create table if not exists raw_stripe_staging.coupons (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null);
      create table if not exists raw_stripe_staging.subscriptions (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null);
      create table if not exists raw_stripe_staging.invoices (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null);
      create table if not exists raw_stripe_staging.invoiceitems (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null);
      create table if not exists raw_stripe_staging.charges (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null);
      create table if not exists raw_stripe_staging.refunds (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null);
      create table if not exists raw_stripe_staging.disputes (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null);
      create table if not exists raw_stripe_staging.balance_transactions (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null);
      create table if not exists raw_stripe_staging.credit_notes (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null);
      create table if not exists raw_stripe_staging.payment_methods (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null);
      create table if not exists raw_stripe_staging.events (id varchar not null, data json not null, synced_at timestamptz not null, deleted boolean not null);
    `,
  },
  {
    // CRM imports (extract/crm/tables.ts lists the parsed columns). One current
    // row per (system, record_id): a newer export replaces a record's row.
    id: '0300_raw_crm',
    sql: `
      create table raw_crm.contacts (
        import_id varchar not null, file varchar not null, line bigint not null,
        system varchar not null, object_type varchar not null, crm_object varchar not null,
        record_id varchar, email varchar, first_name varchar, last_name varchar, full_name varchar,
        company varchar, company_id varchar, owner varchar, phone varchar,
        lifecycle_stage varchar, lead_status varchar, created_at timestamptz,
        data json not null
      );
      create table raw_crm.companies (
        import_id varchar not null, file varchar not null, line bigint not null,
        system varchar not null, object_type varchar not null, crm_object varchar not null,
        record_id varchar, company varchar, domain varchar, owner varchar, phone varchar,
        lifecycle_stage varchar, lead_status varchar, created_at timestamptz,
        data json not null
      );
      create table raw_crm.deals (
        import_id varchar not null, file varchar not null, line bigint not null,
        system varchar not null, object_type varchar not null, crm_object varchar not null,
        record_id varchar, title varchar, amount_minor bigint, currency varchar,
        stage varchar, pipeline varchar, status varchar, close_date date, owner varchar,
        company varchar, company_id varchar, contact_ids varchar[], contact_emails varchar[], contact_names varchar[],
        created_at timestamptz,
        data json not null
      );
      create table raw_crm.imports (
        import_id varchar primary key,
        file varchar not null,
        sha256 varchar not null unique,
        bytes bigint not null,
        system varchar not null,
        object_type varchar not null,
        crm_object varchar not null,
        detected_by varchar not null,
        encoding varchar not null,
        delimiter varchar not null,
        columns json not null,
        rows bigint not null,
        new_records bigint not null,
        updated_records bigint not null,
        unchanged_records bigint not null,
        issues bigint not null,
        imported_at timestamptz not null,
        seconds double not null
      );
      create table raw_crm.import_issues (
        import_id varchar not null, file varchar not null, line bigint not null,
        column_name varchar, value varchar, reason varchar not null
      );
    `,
  },
  {
    // Context typed in Tributary itself (tributary crm ...): never rewritten by
    // imports, extracts or builds. A customer is kept as typed (customer_key)
    // plus its normalized email and the customer_id it resolved to, if any.
    id: '0301_crm_context',
    sql: `
      create schema if not exists crm;
      create table crm.notes (
        note_id varchar primary key,
        kind varchar not null,
        customer_key varchar not null, key_kind varchar not null, email varchar, customer_id varchar,
        body varchar not null,
        occurred_at timestamptz not null,
        duration_minutes integer,
        author varchar,
        created_at timestamptz not null
      );
      create table crm.tasks (
        task_id varchar primary key,
        customer_key varchar not null, key_kind varchar not null, email varchar, customer_id varchar,
        subject varchar not null,
        due_date date,
        status varchar not null,
        author varchar,
        created_at timestamptz not null,
        completed_at timestamptz
      );
      create table crm.tags (
        customer_key varchar not null, key_kind varchar not null, email varchar, customer_id varchar,
        tag varchar not null,
        author varchar,
        created_at timestamptz not null,
        primary key (customer_key, tag)
      );
    `,
  },
  {
    // Staged rows are appended, never deleted one by one: a re-read object gets a higher seq and
    // the merge keeps the latest version of each id (deleting before each append cost a scan per page).
    id: '0101_raw_stripe_staging_seq',
    sql: `
      alter table raw_stripe_staging.account add column seq bigint default 0;
      alter table raw_stripe_staging.customers add column seq bigint default 0;
      alter table raw_stripe_staging.products add column seq bigint default 0;
      alter table raw_stripe_staging.prices add column seq bigint default 0;
      alter table raw_stripe_staging.coupons add column seq bigint default 0;
      alter table raw_stripe_staging.subscriptions add column seq bigint default 0;
      alter table raw_stripe_staging.invoices add column seq bigint default 0;
      alter table raw_stripe_staging.invoiceitems add column seq bigint default 0;
      alter table raw_stripe_staging.charges add column seq bigint default 0;
      alter table raw_stripe_staging.refunds add column seq bigint default 0;
      alter table raw_stripe_staging.disputes add column seq bigint default 0;
      alter table raw_stripe_staging.balance_transactions add column seq bigint default 0;
      alter table raw_stripe_staging.credit_notes add column seq bigint default 0;
      alter table raw_stripe_staging.payment_methods add column seq bigint default 0;
      alter table raw_stripe_staging.events add column seq bigint default 0;
    `,
  },
  {
    // Events whose objects an incremental run of the Stripe extractor already refetched, per stream,
    // kept while they are inside the cursor overlap: the next run re-reads them but need not refetch.
    id: '0102_stripe_applied_events',
    sql: `
      create table meta.stripe_applied_events (
        stream varchar not null,
        event_id varchar not null,
        created bigint not null,
        primary key (stream, event_id)
      );
    `,
  },
  {
    // tributary refresh and serve: each refresh is one meta.runs row (command 'refresh'); its steps
    // (extract, build, publish, reports) with their timings, counts and the step's own run id are
    // here. Webhook events serve received, and the refresh that applied them.
    id: '0500_refresh_steps_and_webhook_events',
    sql: `
      create table meta.refresh_steps (
        run_id varchar not null,
        step varchar not null,
        position integer not null,
        step_run_id varchar,
        started_at timestamptz not null,
        ended_at timestamptz not null,
        seconds double not null,
        status varchar not null,
        counts json,
        error varchar,
        primary key (run_id, step)
      );
      create table meta.webhook_events (
        event_id varchar primary key,
        event_type varchar not null,
        created_at timestamptz not null,
        received_at timestamptz not null,
        applied_at timestamptz not null,
        run_id varchar not null
      );
    `,
  },
  {
    // Customer ids that objects read by the Stripe extractor name, recorded with the page that
    // brought them and cleared once a run has checked them against the customers held (deleted
    // customers are not listed and are retrieved by id). Scanning every stored document for its
    // customer field instead needed more memory than an extract is given.
    id: '0103_stripe_customer_refs',
    sql: `
      create table meta.stripe_customer_refs (ref varchar not null);
    `,
  },
];
