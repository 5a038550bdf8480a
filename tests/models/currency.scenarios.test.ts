/**
 * Currency scenarios (metrics.md, Currency): MRR in other currencies is
 * converted at each month's rate, taken from the account's own balance
 * transactions; movements compare months at one rate and fx_impact carries
 * the rest; zero-decimal currencies are whole units; a missing rate stops the
 * build naming the currency and month.
 *
 * The exchange rates are inputs of the scenario: the demo account settles each
 * charge at its month's rate, and the expectations below multiply the prices
 * by those same rates by hand.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectDir, Scenario } from '../support/scenario.js';

const NOW = '2026-06-15T12:00:00Z';
const MONTHS = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];

/** Rounds half away from zero to cents, as DuckDB rounds decimals, without binary floating-point surprises. */
function cents(value: number): number {
  const scaled = Number((Math.abs(value) * 100).toPrecision(15));
  return (Math.sign(value) * Math.round(scaled)) / 100;
}

/** The rate the demo account settled a currency at in a month (its charges on the 5th of the month). */
function rateOf(scenario: Scenario, currency: string, month: string): number {
  return scenario.account.store.fx.rate(currency, Date.parse(`${month}-05T12:00:00Z`) / 1000);
}

describe('MRR in euros, pounds and yen on a dollar account', () => {
  let scenario: Scenario;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    scenario = await Scenario.run(
      (account) => {
        const product = account.product({ name: 'Global' });
        const eur = account.price({ product, currency: 'eur', unitAmount: 10_000, interval: 'month' });
        const gbp = account.price({ product, currency: 'gbp', unitAmount: 8_000, interval: 'month' });
        const jpy = account.price({ product, currency: 'jpy', unitAmount: 5_000, interval: 'month' });
        const usd = account.price({ product, currency: 'usd', unitAmount: 5_000, interval: 'month' });
        for (const [name, price, currency] of [['euro', eur, 'eur'], ['pound', gbp, 'gbp'], ['yen', jpy, 'jpy'], ['dollar', usd, 'usd']] as const) {
          const customer = account.customer({ email: `${name}@example.com`, currency, createdAt: '2026-01-05T08:00:00Z' });
          ids[name] = customer.id;
          account.subscribe(customer, { at: '2026-01-05T08:00:00Z', items: [{ price }] });
        }
      },
      { now: NOW },
    );
  });
  afterAll(() => scenario?.close());

  it('converts each month at that month’s settled rate', async () => {
    for (const month of MONTHS) {
      expect((await scenario.customerMrrByMonth(ids['euro']!))[month]).toBe(cents(100 * rateOf(scenario, 'eur', month)));
      expect((await scenario.customerMrrByMonth(ids['pound']!))[month]).toBe(cents(80 * rateOf(scenario, 'gbp', month)));
      // 5,000 yen is `unit_amount: 5000`: a zero-decimal currency is not divided by 100.
      expect((await scenario.customerMrrByMonth(ids['yen']!))[month]).toBe(cents(5000 * rateOf(scenario, 'jpy', month)));
      expect((await scenario.customerMrrByMonth(ids['dollar']!))[month]).toBe(50);
    }
  });

  it('puts rate changes into fx_impact, not into movements', async () => {
    // Nobody's price changed: the only movements are January's four new customers.
    const movements = await scenario.movements();
    expect(movements).toHaveLength(4);
    expect(movements.every((line) => line.startsWith('2026-01 new'))).toBe(true);
    const rows = await scenario.query<{ month: string; fx_impact: number; mrr: number }>(
      `select strftime(month, '%Y-%m') as month, fx_impact::double as fx_impact, mrr::double as mrr from marts.mrr_monthly order by month`,
    );
    for (let i = 1; i < MONTHS.length; i++) {
      const [previous, month] = [MONTHS[i - 1]!, MONTHS[i]!];
      // Last month's native MRR at this month's rate, minus at last month's rate, per customer.
      const expected =
        cents(100 * rateOf(scenario, 'eur', month)) - cents(100 * rateOf(scenario, 'eur', previous)) +
        cents(80 * rateOf(scenario, 'gbp', month)) - cents(80 * rateOf(scenario, 'gbp', previous)) +
        cents(5000 * rateOf(scenario, 'jpy', month)) - cents(5000 * rateOf(scenario, 'jpy', previous));
      const row = rows.find((r) => r.month === month)!;
      expect(row.fx_impact).toBeCloseTo(expected, 10);
      const before = rows.find((r) => r.month === previous)!;
      expect(row.mrr - before.mrr).toBeCloseTo(row.fx_impact, 10);
    }
  });

  it('moves nobody between lifecycle stages on a rate change alone', async () => {
    // Each subscribed on January 5th and never changed: activated at January's end (first paid
    // within 30 days), paying at the end of every month after, whatever the rates did. "Expanded"
    // compares MRR with the MRR right after the first payment on one currency basis (metrics.md).
    const stages = await scenario.query<{ customer_id: string; month: string; lifecycle_stage: string }>(
      `select customer_id, strftime(month, '%Y-%m') as month, lifecycle_stage from intermediate.int_lifecycle__customer_monthly_stages
       where month < '2026-06-01' order by customer_id, month`,
    );
    for (const name of ['euro', 'pound', 'yen', 'dollar']) {
      expect(stages.filter((row) => row.customer_id === ids[name]).map((row) => `${row.month} ${row.lifecycle_stage}`)).toEqual([
        '2026-01 activated',
        '2026-02 paying',
        '2026-03 paying',
        '2026-04 paying',
        '2026-05 paying',
      ]);
    }
  });

  it('keeps yen amounts whole in the customer-facing marts', async () => {
    const [item] = await scenario.query<{ unit_amount: number; currency: string }>(
      `select unit_amount::double as unit_amount, currency from marts.subscription_items where customer_id = ?`,
      [ids['yen']],
    );
    expect(item).toEqual({ unit_amount: 5000, currency: 'jpy' });
    const invoices = await scenario.query<{ total: number }>(
      `select distinct total::double as total from marts.invoices where customer_id = ? and billing_reason = 'subscription_cycle'`,
      [ids['yen']],
    );
    expect(invoices).toEqual([{ total: 5000 }]);
  });

  it('reports revenue in the settlement currency, yen charges converted by Stripe', async () => {
    const [june] = await scenario.query<{ currency: string; gross_volume: number }>(
      `select currency, gross_volume::double as gross_volume from marts.revenue_monthly where month = '2026-06-01'`,
    );
    // Each customer paid once in June (the 5th); the settled amounts are the charges times June's rates.
    const settled =
      Math.round(100 * rateOf(scenario, 'eur', '2026-06') * 100) +
      Math.round(80 * rateOf(scenario, 'gbp', '2026-06') * 100) +
      Math.round(5000 * rateOf(scenario, 'jpy', '2026-06') * 100) +
      5000;
    expect(june).toEqual({ currency: 'usd', gross_volume: settled / 100 });
  });

  it('reports in another currency when asked to', async () => {
    await scenario.build({ reporting_currency: 'eur' });
    // The euro customer pays 100.00 EUR: in a euro report that is 100.00 whatever the rates.
    expect((await scenario.customerMrrByMonth(ids['euro']!))['2026-06']).toBe(100);
    await scenario.build();
  });
});

describe('a currency with no rate at all', () => {
  let scenario: Scenario;
  let modifiedProject: string;
  beforeAll(async () => {
    // A copy of the project whose seed knows nothing of the Australian dollar.
    modifiedProject = mkdtempSync(join(tmpdir(), 'tributary-project-'));
    for (const entry of ['models', 'seeds', 'tributary.yml']) cpSync(join(projectDir, entry), join(modifiedProject, entry), { recursive: true });
    const seed = join(modifiedProject, 'seeds', 'fx_rates.csv');
    writeFileSync(seed, readFileSync(seed, 'utf8').split('\n').filter((line) => !line.includes(',aud,')).join('\n'));
    scenario = await Scenario.run(
      (account) => {
        const price = account.price({ product: account.product({ name: 'Plan' }), unitAmount: 5_000, interval: 'month' });
        const customer = account.customer({ email: 'dollar@example.com', createdAt: '2026-03-05T08:00:00Z' });
        account.subscribe(customer, { at: '2026-03-05T08:00:00Z', items: [{ price }] });
      },
      { now: NOW, projectDir: modifiedProject, skipBuild: true, vars: { reporting_currency: 'aud' } },
    );
  });
  afterAll(async () => {
    await scenario?.close();
    rmSync(modifiedProject, { recursive: true, force: true });
  });

  it('fails the build naming the currency and the month, and leaves the warehouse as it was', async () => {
    // No Australian-dollar charge ever settled and the seed has no AUD rows: every month from
    // March 2026 (the first with MRR) has dollars to convert and no rate to do it with.
    await expect(scenario.build()).rejects.toThrow(/No exchange rate for AUD in 2026-0[3-6] .*seeds\/fx_rates\.csv/);
    const marts = await scenario.query(`select table_name from information_schema.tables where table_schema = 'marts'`);
    expect(marts).toEqual([]);
  });
});
