import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError, WorkError } from '../../errors/index.js';
import { buildProject, type ModelResult } from '../../transform/build.js';
import { publishedPathFor } from '../../warehouse/publish.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { copyFixture, fixedVars, loadShopRaw, openWarehouse, removeTempDirs, shopData, warehousePath, writeFiles } from './support.js';

afterEach(removeTempDirs);

async function shopWarehouse(): Promise<{ dir: string; warehouse: Warehouse }> {
  const dir = copyFixture('shop');
  const warehouse = await openWarehouse(dir);
  await loadShopRaw(warehouse, shopData);
  return { dir, warehouse };
}

const build = (warehouse: Warehouse, projectDir: string, select: string[] = [], onModel?: (result: ModelResult) => void) =>
  buildProject({ warehouse, projectDir, select, vars: fixedVars, ...(onModel ? { onModel } : {}) });

const kinds = (warehouse: Warehouse) =>
  warehouse.all<{ relation: string; kind: string }>(
    `select table_schema || '.' || table_name as relation, table_type as kind from information_schema.tables
     where table_schema in ('staging', 'intermediate', 'marts', 'seeds') order by 1`,
  );

const customerRevenue = (warehouse: Warehouse) =>
  warehouse.all<{ customer_id: string; revenue: number }>('select customer_id, revenue::double as revenue from marts.customers order by 1');

describe('buildProject', () => {
  it('builds seeds and every layer in dependency order, with the expected rows, and records the run', async () => {
    const { dir, warehouse } = await shopWarehouse();
    const seen: string[] = [];
    const result = await build(warehouse, dir, [], (model) => seen.push(`${model.schema}.${model.name}`));
    // Staging first (file order), the seed, then what reads them.
    expect(seen).toEqual(['staging.stg_stripe__customers', 'staging.stg_stripe__invoices', 'seeds.fx_rates', 'intermediate.int_customer_revenue', 'marts.customers']);
    expect(result.models.map((m) => [m.name, m.materialized, m.rows, m.status])).toEqual([
      ['stg_stripe__customers', 'view', null, 'ok'],
      ['stg_stripe__invoices', 'view', null, 'ok'],
      ['fx_rates', 'seed', 2, 'ok'],
      ['int_customer_revenue', 'table', 2, 'ok'],
      ['customers', 'table', 2, 'ok'],
    ]);
    expect(result.models.every((model) => model.seconds >= 0)).toBe(true);
    // Ann: 10.00 USD at 1.0 plus 20.00 EUR at 1.1 = 32.00; her open invoice does not count. Bob paid nothing.
    expect(await customerRevenue(warehouse)).toEqual([
      { customer_id: 'cus_ann', revenue: 32 },
      { customer_id: 'cus_bob', revenue: 0 },
    ]);
    expect(await warehouse.all('select email, discounts_setting, activated_days from marts.customers order by 1')).toEqual([
      { email: 'ann@example.com', discounts_setting: 'forever', activated_days: 30 },
      { email: 'bob@example.com', discounts_setting: 'forever', activated_days: 30 },
    ]);
    expect(await kinds(warehouse)).toEqual([
      { relation: 'intermediate.int_customer_revenue', kind: 'BASE TABLE' },
      { relation: 'marts.customers', kind: 'BASE TABLE' },
      { relation: 'seeds.fx_rates', kind: 'BASE TABLE' },
      { relation: 'staging.stg_stripe__customers', kind: 'VIEW' },
      { relation: 'staging.stg_stripe__invoices', kind: 'VIEW' },
    ]);
    expect(result.tests.map((test) => [test.name, test.status])).toEqual([
      ['unique(customers.customer_id)', 'pass'],
      ['not_null(customers.customer_id)', 'pass'],
      ['not_null(customers.email)', 'pass'],
      ['accepted_values(customers.discounts_setting)', 'pass'],
      ['relationships(stg_stripe__invoices.stripe_customer_id -> stg_stripe__customers.stripe_customer_id)', 'pass'],
      ['models/tests/revenue_not_negative.sql', 'pass'],
      ['described(customers)', 'pass'],
    ]);
    const run = await warehouse.one<{ command: string; status: string; counts: string; error: string | null; ended: boolean }>(
      'select command, status, counts::varchar as counts, error, ended_at is not null as ended from meta.runs where run_id = ?',
      [result.runId],
    );
    expect({ ...run, counts: JSON.parse(run!.counts) }).toEqual({
      command: 'build',
      status: 'ok',
      counts: { models: 4, tables: 2, views: 2, seeds: 1, rows: 6, tests: 7, tests_failed: 0, warnings: 0 },
      error: null,
      ended: true,
    });
    expect(await warehouse.all('select model, schema, materialized, rows, status, error from meta.model_builds where run_id = ? order by model', [result.runId])).toEqual([
      { model: 'customers', schema: 'marts', materialized: 'table', rows: 2, status: 'ok', error: null },
      { model: 'fx_rates', schema: 'seeds', materialized: 'seed', rows: 2, status: 'ok', error: null },
      { model: 'int_customer_revenue', schema: 'intermediate', materialized: 'table', rows: 2, status: 'ok', error: null },
      { model: 'stg_stripe__customers', schema: 'staging', materialized: 'view', rows: null, status: 'ok', error: null },
      { model: 'stg_stripe__invoices', schema: 'staging', materialized: 'view', rows: null, status: 'ok', error: null },
    ]);
    expect(result.publishedPath).toBe(publishedPathFor(warehousePath(dir)));
    expect(existsSync(result.publishedPath!)).toBe(true);
    await warehouse.close();
  });

  it('rolls every model back when one fails, keeping the previous tables and rows, and records the failure', async () => {
    const { dir, warehouse } = await shopWarehouse();
    await build(warehouse, dir);
    const before = await warehouse.all('select * from intermediate.int_customer_revenue order by all');
    // New raw data would change int_customer_revenue, which builds before the broken mart.
    await loadShopRaw(warehouse, { ...shopData, invoices: [...shopData.invoices, { id: 'in_4', customer: 'cus_bob', status: 'paid', amount_paid: 500, currency: 'usd' }] });
    writeFiles(dir, {
      'models/marts/customers.sql': "{{ config(materialized='table') }}\nselect\n    c.stripe_customer_id as customer_id,\n    c.no_such_column\nfrom {{ ref('stg_stripe__customers') }} as c\n",
    });
    const seen: ModelResult[] = [];
    const failure = build(warehouse, dir, [], (model) => seen.push(model));
    await expect(failure).rejects.toThrow(WorkError);
    await expect(failure).rejects.toThrow(/^Model marts\.customers failed \(models\/marts\/customers\.sql line 4\): Binder Error: .*no_such_column/);
    expect(seen.map((model) => [model.name, model.status])).toEqual([
      ['stg_stripe__customers', 'ok'],
      ['stg_stripe__invoices', 'ok'],
      ['fx_rates', 'ok'],
      ['int_customer_revenue', 'ok'],
      ['customers', 'failed'],
    ]);
    expect(await warehouse.all('select * from intermediate.int_customer_revenue order by all')).toEqual(before);
    expect(await customerRevenue(warehouse)).toEqual([
      { customer_id: 'cus_ann', revenue: 32 },
      { customer_id: 'cus_bob', revenue: 0 },
    ]);
    const run = await warehouse.one<{ status: string; error: string }>(`select status, error from meta.runs where status <> 'ok' order by started_at desc limit 1`);
    expect(run?.status).toBe('failed');
    expect(run?.error).toMatch(/^Model marts\.customers failed/);
    expect(await warehouse.all(`select model, status from meta.model_builds where status <> 'ok' order by model`)).toEqual([
      { model: 'customers', status: 'failed' },
      { model: 'fx_rates', status: 'rolled_back' },
      { model: 'int_customer_revenue', status: 'rolled_back' },
      { model: 'stg_stripe__customers', status: 'rolled_back' },
      { model: 'stg_stripe__invoices', status: 'rolled_back' },
    ]);
    await warehouse.close();
  });

  it('switches a model between view and table both ways, from the YAML config and from the file header', async () => {
    const { dir, warehouse } = await shopWarehouse();
    await build(warehouse, dir);
    writeFiles(dir, {
      'models/staging/stripe/_config.yml': 'models:\n  - name: stg_stripe__customers\n    config:\n      materialized: table\n',
      'models/intermediate/int_customer_revenue.sql': "{{ config(materialized='view') }}\nselect stripe_customer_id, currency, sum(amount_paid) as amount_paid\nfrom {{ ref('stg_stripe__invoices') }} where status = 'paid' group by all\n",
    });
    const switched = await build(warehouse, dir);
    expect(switched.models.find((m) => m.name === 'stg_stripe__customers')).toMatchObject({ materialized: 'table', rows: 2 });
    expect(await kinds(warehouse)).toEqual([
      { relation: 'intermediate.int_customer_revenue', kind: 'VIEW' },
      { relation: 'marts.customers', kind: 'BASE TABLE' },
      { relation: 'seeds.fx_rates', kind: 'BASE TABLE' },
      { relation: 'staging.stg_stripe__customers', kind: 'BASE TABLE' },
      { relation: 'staging.stg_stripe__invoices', kind: 'VIEW' },
    ]);
    expect(await customerRevenue(warehouse)).toEqual([
      { customer_id: 'cus_ann', revenue: 32 },
      { customer_id: 'cus_bob', revenue: 0 },
    ]);
    writeFiles(dir, {
      'models/staging/stripe/_config.yml': 'models: []\n',
      'models/intermediate/int_customer_revenue.sql': "select stripe_customer_id, currency, sum(amount_paid) as amount_paid\nfrom {{ ref('stg_stripe__invoices') }} where status = 'paid' group by all\n",
    });
    await build(warehouse, dir);
    expect((await kinds(warehouse)).filter((k) => k.relation.includes('stg_stripe__customers') || k.relation.includes('int_customer'))).toEqual([
      { relation: 'intermediate.int_customer_revenue', kind: 'BASE TABLE' },
      { relation: 'staging.stg_stripe__customers', kind: 'VIEW' },
    ]);
    await warehouse.close();
  });

  it('builds only what --select names, leaving the other tables as they were', async () => {
    const { dir, warehouse } = await shopWarehouse();
    await build(warehouse, dir);
    // Bob pays 5.00 USD: int_customer_revenue gains a row, customers would show 5.00 for him.
    await loadShopRaw(warehouse, { ...shopData, invoices: [...shopData.invoices, { id: 'in_4', customer: 'cus_bob', status: 'paid', amount_paid: 500, currency: 'usd' }] });
    const names = (models: readonly ModelResult[]) => models.map((m) => m.name);

    const one = await build(warehouse, dir, ['int_customer_revenue']);
    expect(names(one.models)).toEqual(['int_customer_revenue']);
    expect(one.models[0]!.rows).toBe(3);
    expect(await customerRevenue(warehouse)).toEqual([
      { customer_id: 'cus_ann', revenue: 32 },
      { customer_id: 'cus_bob', revenue: 0 },
    ]);
    // Only the tests of selected models run: none are declared on int_customer_revenue.
    expect(one.tests).toEqual([]);

    const downstream = await build(warehouse, dir, ['stg_stripe__invoices+']);
    expect(names(downstream.models)).toEqual(['stg_stripe__invoices', 'int_customer_revenue', 'customers']);
    expect(await customerRevenue(warehouse)).toEqual([
      { customer_id: 'cus_ann', revenue: 32 },
      { customer_id: 'cus_bob', revenue: 5 },
    ]);

    const upstream = await build(warehouse, dir, ['+customers']);
    expect(names(upstream.models)).toEqual(['stg_stripe__customers', 'stg_stripe__invoices', 'fx_rates', 'int_customer_revenue', 'customers']);
    const several = await build(warehouse, dir, ['fx_rates', 'stg_stripe__customers']);
    expect(names(several.models)).toEqual(['stg_stripe__customers', 'fx_rates']);
    await warehouse.close();
  });

  it('refuses to build a selected model whose unselected upstream was never built', async () => {
    const { dir, warehouse } = await shopWarehouse();
    await expect(build(warehouse, dir, ['customers'])).rejects.toThrow(
      'models/marts/customers.sql refs stg_stripe__customers, int_customer_revenue, fx_rates, which are not selected and have never been built: select them too (--select +customers) or build everything once.',
    );
    await warehouse.close();
  });

  it('fails with the command that fills a missing source table', async () => {
    const { dir, warehouse } = await shopWarehouse();
    writeFiles(dir, {
      'models/staging/stripe/_widgets.yml': 'sources:\n  - name: billing\n    schema: raw_stripe\n    tables:\n      - name: widgets\n',
      'models/staging/stripe/stg_stripe__widgets.sql': "select * from {{ source('billing', 'widgets') }}",
    });
    await expect(build(warehouse, dir)).rejects.toThrow(
      "models/staging/stripe/stg_stripe__widgets.sql reads source('billing', 'widgets'), but the warehouse has no table raw_stripe.widgets: run `tributary extract stripe` (or `tributary refresh --demo`) first.",
    );
    expect(await warehouse.one(`select count(*) as n from information_schema.tables where table_schema = 'marts'`)).toEqual({ n: 0 });
    await warehouse.close();
  });

  it('loads seeds with sniffed types, or the types the YAML declares', async () => {
    const { dir, warehouse } = await shopWarehouse();
    writeFiles(dir, { 'seeds/holidays.csv': 'day,name,closed\n2026-01-01,New year,true\n2026-12-25,Christmas,true\n' });
    const result = await build(warehouse, dir);
    expect(result.models.find((m) => m.name === 'holidays')).toMatchObject({ schema: 'seeds', materialized: 'seed', rows: 2, status: 'ok' });
    const types = await warehouse.all(
      `select table_name as seed, column_name as column, data_type from information_schema.columns where table_schema = 'seeds' order by table_name, ordinal_position`,
    );
    expect(types).toEqual([
      { seed: 'fx_rates', column: 'currency', data_type: 'VARCHAR' },
      { seed: 'fx_rates', column: 'rate', data_type: 'DECIMAL(12,6)' },
      { seed: 'holidays', column: 'day', data_type: 'DATE' },
      { seed: 'holidays', column: 'name', data_type: 'VARCHAR' },
      { seed: 'holidays', column: 'closed', data_type: 'BOOLEAN' },
    ]);
    expect(await warehouse.all(`select strftime(day, '%Y-%m-%d') as day, name from seeds.holidays order by day`)).toEqual([
      { day: '2026-01-01', name: 'New year' },
      { day: '2026-12-25', name: 'Christmas' },
    ]);
    await warehouse.close();
  });

  it('reports a broken seed by its file', async () => {
    const { dir, warehouse } = await shopWarehouse();
    writeFiles(dir, { 'seeds/seeds.yml': 'seeds:\n  - name: fx_rates\n    columns:\n      - name: rate\n        data_type: date\n' });
    await expect(build(warehouse, dir)).rejects.toThrow(/^Seed seeds\.fx_rates failed \(seeds\/fx_rates\.csv\): /);
    await warehouse.close();
  });

  it('gives templates the settings file and the environment vars, and follows TRIBUTARY_TZ for month boundaries', async () => {
    const { dir, warehouse } = await shopWarehouse();
    writeFiles(dir, {
      'tributary.yml': 'mrr:\n  discounts: all\n  churn_at: canceled\nlifecycle:\n  activated_days: 14\nvars:\n  team: growth\n',
      'models/marts/settings_seen.sql': [
        "select '{{ var('mrr.discounts') }}' as discounts, '{{ var('mrr.churn_at') }}' as churn_at,",
        "  {{ var('lifecycle.activated_days') }} as activated_days, '{{ var('team') }}' as team,",
        "  '{{ var('now') }}'::timestamptz as now_at, '{{ var('reporting_currency') }}' as reporting_currency,",
        "  date_trunc('month', '2026-01-31 23:30:00+00'::timestamptz)::date::varchar as month_of_last_half_hour",
      ].join('\n'),
      'models/marts/_settings_seen.yml':
        'models:\n  - name: settings_seen\n    description: What the templates saw.\n    columns:\n' +
        ['discounts', 'churn_at', 'activated_days', 'team', 'now_at', 'reporting_currency', 'month_of_last_half_hour'].map((c) => `      - name: ${c}\n        description: seen\n`).join(''),
    });
    await buildProject({ warehouse, projectDir: dir, vars: { now: '2026-02-01T00:30:00.000Z', reporting_currency: 'eur', timezone: 'Europe/Berlin' } });
    const seen = await warehouse.one<Record<string, unknown>>('select * exclude (now_at), epoch(now_at) as now_epoch from marts.settings_seen');
    expect(seen).toEqual({
      discounts: 'all',
      churn_at: 'canceled',
      activated_days: 14,
      team: 'growth',
      reporting_currency: 'eur',
      // 23:30 UTC on Jan 31 is 00:30 on Feb 1 in Berlin.
      month_of_last_half_hour: '2026-02-01',
      now_epoch: Date.parse('2026-02-01T00:30:00Z') / 1000,
    });
    expect((await warehouse.one('select discounts_setting, activated_days from marts.customers limit 1'))).toEqual({ discounts_setting: 'all', activated_days: 14 });
    await buildProject({ warehouse, projectDir: dir, vars: fixedVars });
    expect(await warehouse.one('select month_of_last_half_hour from marts.settings_seen')).toEqual({ month_of_last_half_hour: '2026-01-01' });
    await warehouse.close();
  });

  it('refuses a bad settings file, naming the file, key and line, before touching any table', async () => {
    const { dir, warehouse } = await shopWarehouse();
    const cases: [string, string][] = [
      ['mrr:\n  discounts: sometimes\n', 'tributary.yml line 2: mrr.discounts must be one of forever, all, none.'],
      ['mrr:\n  churn_at: ended\nlifecycle:\n  activated_days: -5\n', 'tributary.yml line 4: lifecycle.activated_days must be greater than 0.'],
      ['lifecycle:\n  activated_days: soon\n', 'tributary.yml line 2: lifecycle.activated_days must be a number.'],
      ['mrr:\n  discount: all\n', 'tributary.yml line 2: mrr has an unknown key "discount".'],
      ['mrr: [\n', 'tributary.yml line 2 is not valid YAML: '],
    ];
    for (const [text, message] of cases) {
      writeFiles(dir, { 'tributary.yml': text });
      const failure = build(warehouse, dir);
      await expect(failure).rejects.toThrow(UsageError);
      await expect(failure).rejects.toThrow(message);
    }
    expect(await warehouse.one(`select count(*) as n from information_schema.tables where table_schema = 'marts'`)).toEqual({ n: 0 });
    await warehouse.close();
  });
});
