import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparePublishedCopy } from '../support/publishedCopy.js';
import { Warehouse } from '../../warehouse/warehouse.js';

/**
 * The development stand-in for the published copy must keep the marts'
 * own rules (metrics.md), or pages built on it would show numbers the real
 * marts never could.
 */
let dir: string;
let copy: Warehouse;
const now = new Date('2026-03-10T12:00:00Z');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-fixture-'));
  const prepared = await preparePublishedCopy({ dir, customers: 400, seed: 7, now, source: 'fixture' });
  copy = await Warehouse.open({ path: prepared.publishedPath, readOnly: true });
});
afterAll(async () => {
  await copy.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the published-copy fixture', () => {
  it('holds exactly the marts and meta tables the reports are specified against', async () => {
    const tables = (await copy.all<{ name: string }>(`select table_schema || '.' || table_name as name from information_schema.tables order by 1`)).map((row) => row.name);
    expect(tables).toEqual([
      'marts.billing_signals',
      'marts.churn_events',
      'marts.churn_monthly',
      'marts.cohort_retention',
      'marts.crm_activities',
      'marts.crm_migration_audit',
      'marts.customer_mrr_monthly',
      'marts.customers',
      'marts.identity_matches',
      'marts.invoices',
      'marts.lifecycle_movements',
      'marts.lifecycle_pipeline',
      'marts.mrr_monthly',
      'marts.mrr_movements',
      'marts.payments',
      'marts.revenue_monthly',
      'marts.subscription_items',
      'marts.subscriptions',
      'meta.column_docs',
      'meta.model_builds',
      'meta.model_docs',
      'meta.runs',
      'meta.sync_state',
    ]);
    const types = await copy.all<{ column_name: string; data_type: string }>(
      `select column_name, data_type from information_schema.columns where table_schema = 'marts' and table_name = 'customers' and column_name in ('mrr', 'tags', 'first_paid_at', 'is_deleted') order by 1`,
    );
    expect(types).toEqual([
      { column_name: 'first_paid_at', data_type: 'TIMESTAMP WITH TIME ZONE' },
      { column_name: 'is_deleted', data_type: 'BOOLEAN' },
      { column_name: 'mrr', data_type: 'DECIMAL(18,2)' },
      { column_name: 'tags', data_type: 'VARCHAR[]' },
    ]);
  });

  it('runs its months through the current month with customer MRR adding up to mrr_monthly', async () => {
    const last = await copy.one<{ month: string }>(`select strftime(max(month), '%Y-%m-%d') as month from marts.mrr_monthly`);
    expect(last?.month).toBe('2026-03-01');
    const mismatches = await copy.all(
      `select m.month from marts.mrr_monthly m left join (select month, sum(mrr) as mrr from marts.customer_mrr_monthly group by month) c using (month)
       where m.mrr <> coalesce(c.mrr, 0) or m.arr <> 12 * m.mrr`,
    );
    expect(mismatches).toEqual([]);
  });

  it('explains every month of MRR with its movements, to the cent', async () => {
    const broken = await copy.all(
      `with m as (select *, lag(mrr, 1, 0) over (order by month) as previous from marts.mrr_monthly)
       select month from m
       where mrr - previous <> new_mrr + reactivation_mrr + expansion_mrr + contraction_mrr + churned_mrr + fx_impact
          or net_new_mrr <> mrr - previous
          or contraction_mrr > 0 or churned_mrr > 0`,
    );
    expect(broken).toEqual([]);
    const churn = await copy.all(
      `select c.month from marts.churn_monthly c
       join (select month, count(*) as n from marts.mrr_movements where movement = 'churn' group by month) e using (month)
       where c.churned_customers <> e.n`,
    );
    expect(churn).toEqual([]);
  });

  it('has all seven lifecycle stages in order, adding up to every customer', async () => {
    const stages = await copy.all<{ stage: string }>(`select stage from marts.lifecycle_pipeline order by stage_order`);
    expect(stages.map((row) => row.stage)).toEqual(['trial', 'activated', 'paying', 'expanded', 'at_risk', 'churned', 'prospect']);
    const totals = await copy.one<{ staged: number; customers: number }>(
      `select (select sum(customers)::integer from marts.lifecycle_pipeline) as staged, (select count(*)::integer from marts.customers) as customers`,
    );
    expect(totals?.staged).toBe(400);
    expect(totals?.customers).toBe(400);
  });

  it('is the same account for the same seed, and has no CRM side when asked', async () => {
    const again = await preparePublishedCopy({ dir: join(dir, 'again'), customers: 400, seed: 7, now, source: 'fixture' });
    const noCrm = await preparePublishedCopy({ dir: join(dir, 'no-crm'), customers: 100, seed: 7, now, crm: false, source: 'fixture' });
    const first = await copy.one<{ h: string }>(`select md5(string_agg(customer_id || email || mrr::varchar, ',' order by customer_id)) as h from marts.customers`);
    const other = await Warehouse.open({ path: again.publishedPath, readOnly: true });
    const plain = await Warehouse.open({ path: noCrm.publishedPath, readOnly: true });
    try {
      expect((await other.one<{ h: string }>(`select md5(string_agg(customer_id || email || mrr::varchar, ',' order by customer_id)) as h from marts.customers`))?.h).toBe(first?.h);
      const crm = await plain.one<{ activities: number; audit: number; origins: string }>(
        `select (select count(*)::integer from marts.crm_activities) as activities, (select count(*)::integer from marts.crm_migration_audit) as audit,
                (select string_agg(distinct origin, ',') from marts.customers) as origins`,
      );
      expect(crm).toEqual({ activities: 0, audit: 0, origins: 'stripe' });
    } finally {
      await other.close();
      await plain.close();
    }
  });
});
