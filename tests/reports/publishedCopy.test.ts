import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkError } from '../../errors/index.js';
import { inspectPublishedCopy, tablesReadBySources } from '../../reports/publishedCopy.js';
import { Warehouse } from '../../warehouse/warehouse.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-published-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function writeCopy(path: string, sql: string): Promise<void> {
  const copy = await Warehouse.open({ path });
  await copy.run(sql);
  await copy.close();
}

describe('what the reports need from the published copy', () => {
  it('reads the tables the source queries use from the SQL files', () => {
    const tables = tablesReadBySources();
    expect(tables).toEqual(
      expect.arrayContaining([
        'marts.customers',
        'marts.mrr_monthly',
        'marts.churn_monthly',
        'marts.revenue_monthly',
        'marts.lifecycle_pipeline',
        'marts.crm_activities',
        'marts.billing_signals',
        'marts.cohort_retention',
        'marts.crm_migration_audit',
        'meta.runs',
        'meta.sync_state',
        'meta.model_docs',
        'meta.column_docs',
      ]),
    );
    expect(tables.every((table) => /^(marts|meta)\.[a-z_]+$/.test(table))).toBe(true);
  });

  it('says to run the demo refresh when there is no published copy', async () => {
    const missing = join(dir, 'none.published.duckdb');
    const failure = inspectPublishedCopy(missing);
    await expect(failure).rejects.toThrow(WorkError);
    await expect(inspectPublishedCopy(missing)).rejects.toThrow(`No published copy of the warehouse at ${missing} yet: run \`tributary refresh --demo\` first`);
  });

  it('names the tables a published copy lacks', async () => {
    const path = join(dir, 'partial.published.duckdb');
    await writeCopy(path, `create schema marts; create table marts.customers (customer_id varchar, currency varchar)`);
    await expect(inspectPublishedCopy(path, { requiredTables: ['marts.customers', 'marts.revenue_monthly', 'marts.churn_monthly'] })).rejects.toThrow(
      /has no table marts\.revenue_monthly, marts\.churn_monthly, which the reports read: rebuild the models with `tributary build`/,
    );
  });

  it('takes the reporting currency from the setting, else the settlement currency with the most volume', async () => {
    const path = join(dir, 'currencies.published.duckdb');
    await writeCopy(
      path,
      `create schema marts;
       create table marts.customers (customer_id varchar, currency varchar);
       insert into marts.customers values ('a', 'usd'), ('b', 'usd'), ('c', 'usd');
       create table marts.revenue_monthly (month date, currency varchar, gross_volume decimal(18,2));
       insert into marts.revenue_monthly values ('2026-01-01', 'eur', 100.00), ('2026-02-01', 'eur', 100.00), ('2026-01-01', 'gbp', 150.00);`,
    );
    const required = ['marts.customers', 'marts.revenue_monthly'];
    expect(await inspectPublishedCopy(path, { requiredTables: required })).toEqual({ reportingCurrency: 'eur', customers: 3 });
    expect((await inspectPublishedCopy(path, { requiredTables: required, reportingCurrency: 'CHF' })).reportingCurrency).toBe('chf');
  });

  it("falls back to the customers' billing currency before any balance transaction", async () => {
    const path = join(dir, 'no-revenue.published.duckdb');
    await writeCopy(
      path,
      `create schema marts;
       create table marts.customers (customer_id varchar, currency varchar);
       insert into marts.customers values ('a', 'gbp'), ('b', 'gbp'), ('c', 'usd'), ('d', null);
       create table marts.revenue_monthly (month date, currency varchar, gross_volume decimal(18,2));`,
    );
    expect((await inspectPublishedCopy(path, { requiredTables: ['marts.customers'] })).reportingCurrency).toBe('gbp');
  });
});
