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
];
