/**
 * Lifecycle stages and billing signals (metrics.md), each customer built to
 * land in one stage, with the signal a founder should see next to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scenario } from '../support/scenario.js';

const NOW = '2026-06-15T12:00:00Z';

describe('lifecycle stages and billing signals', () => {
  let scenario: Scenario;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    scenario = await Scenario.run(
      (account) => {
        const basic = account.price({ product: account.product({ name: 'Basic' }), unitAmount: 5_000, interval: 'month' });
        const pro = account.price({ product: account.product({ name: 'Pro' }), unitAmount: 10_000, interval: 'month' });
        const customer = (name: string, createdAt: string, card?: { expMonth: number; expYear: number }) => {
          const ref = account.customer({ email: `${name}@example.com`, createdAt, ...(card ? { card } : {}) });
          ids[name] = ref.id;
          return ref;
        };
        // Paid for the first time on Jun 1: younger than 30 days.
        account.subscribe(customer('activated', '2026-06-01T08:00:00Z'), { at: '2026-06-01T08:00:00Z', items: [{ price: basic }] });
        // Paying since January, no change.
        account.subscribe(customer('paying', '2026-01-05T08:00:00Z'), { at: '2026-01-05T08:00:00Z', items: [{ price: basic }] });
        // 50 after the first payment, 100 since March.
        const grew = account.subscribe(customer('expanded', '2026-01-05T08:00:00Z'), { at: '2026-01-05T08:00:00Z', items: [{ price: basic }] });
        account.changeItems(grew, { at: '2026-03-10T08:00:00Z', items: [{ price: pro }], prorationBehavior: 'always_invoice' });
        // Upgraded three days ago.
        const recent = account.subscribe(customer('upgraded', '2026-01-05T08:00:00Z'), { at: '2026-01-05T08:00:00Z', items: [{ price: basic }] });
        account.changeItems(recent, { at: '2026-06-12T08:00:00Z', items: [{ price: pro }], prorationBehavior: 'always_invoice' });
        // The card expires at the end of June; the next renewal is Jul 5.
        account.subscribe(customer('expiring', '2026-01-05T08:00:00Z', { expMonth: 6, expYear: 2026 }), { at: '2026-01-05T08:00:00Z', items: [{ price: basic }] });
        // Asked on Jun 10 to cancel at the end of the period (Jul 5).
        const leaving = account.subscribe(customer('leaving', '2026-01-05T08:00:00Z'), { at: '2026-01-05T08:00:00Z', items: [{ price: basic }] });
        account.cancel(leaving, { at: '2026-06-10T08:00:00Z', atPeriodEnd: true });
        // Canceled on Jun 1.
        const gone = account.subscribe(customer('churned', '2026-01-05T08:00:00Z'), { at: '2026-01-05T08:00:00Z', items: [{ price: basic }] });
        account.cancel(gone, { at: '2026-06-01T08:00:00Z' });
        // Never subscribed.
        customer('prospect', '2026-02-01T08:00:00Z');
      },
      { now: NOW },
    );
  });
  afterAll(() => scenario?.close());

  const stageOf = async (name: string) =>
    (await scenario.query<{ lifecycle_stage: string }>(`select lifecycle_stage from marts.customers where customer_id = ?`, [ids[name]]))[0]?.lifecycle_stage;
  const signalsOf = async (name: string) =>
    scenario.query<{ signal: string; amount: number }>(
      `select signal, amount::double as amount from marts.billing_signals where customer_id = ? order by signal`,
      [ids[name]],
    );

  it('puts each customer in the first stage whose rule holds', async () => {
    expect(await stageOf('activated')).toBe('activated');
    expect(await stageOf('paying')).toBe('paying');
    expect(await stageOf('expanded')).toBe('expanded');
    expect(await stageOf('upgraded')).toBe('expanded');
    expect(await stageOf('expiring')).toBe('at_risk');
    expect(await stageOf('leaving')).toBe('at_risk');
    expect(await stageOf('churned')).toBe('churned');
    expect(await stageOf('prospect')).toBe('prospect');
  });

  it('lists the signals a founder acts on, with the money at stake', async () => {
    expect(await signalsOf('expiring')).toEqual([{ signal: 'card_expiring', amount: 50 }]);
    // June's card is still valid on June 15th: it expires, not expired.
    const [card] = await scenario.query<{ detail: string }>(`select detail from marts.billing_signals where signal = 'card_expiring'`);
    expect(card!.detail).toMatch(/^Card ending \d{4} expires 06\/2026, before the next renewal$/);
    expect(await signalsOf('leaving')).toEqual([{ signal: 'cancellation_scheduled', amount: 50 }]);
    // 50 -> 100 three days ago.
    expect(await signalsOf('upgraded')).toEqual([{ signal: 'upgraded', amount: 50 }]);
    expect(await signalsOf('churned')).toEqual([{ signal: 'churned', amount: 50 }]);
    for (const quiet of ['activated', 'paying', 'expanded', 'prospect']) expect(await signalsOf(quiet)).toEqual([]);
  });

  it('counts every stage in the pipeline, the empty ones too', async () => {
    const pipeline = await scenario.query<{ stage: string; customers: number; mrr: number }>(
      `select stage, customers, mrr::double as mrr from marts.lifecycle_pipeline order by stage_order`,
    );
    // activated 50; paying 50; expanded 100 + 100; at_risk 50 + 50; churned 0; prospect 0.
    expect(pipeline).toEqual([
      { stage: 'trial', customers: 0, mrr: 0 },
      { stage: 'activated', customers: 1, mrr: 50 },
      { stage: 'paying', customers: 1, mrr: 50 },
      { stage: 'expanded', customers: 2, mrr: 200 },
      { stage: 'at_risk', customers: 2, mrr: 100 },
      { stage: 'churned', customers: 1, mrr: 0 },
      { stage: 'prospect', customers: 1, mrr: 0 },
    ]);
  });

  it('records how customers moved between stages', async () => {
    const moves = await scenario.query<{ month: string; from_stage: string; to_stage: string; customers: number }>(
      `select strftime(month, '%Y-%m') as month, from_stage, to_stage, customers from marts.lifecycle_movements order by month, from_stage, to_stage`,
    );
    // January: six customers start paying (prospect -> activated).
    expect(moves).toContainEqual({ month: '2026-01', from_stage: 'prospect', to_stage: 'activated', customers: 6 });
    // February: they are older than 30 days (activated -> paying).
    expect(moves).toContainEqual({ month: '2026-02', from_stage: 'activated', to_stage: 'paying', customers: 6 });
    // March: one upgrade (paying -> expanded).
    expect(moves).toContainEqual({ month: '2026-03', from_stage: 'paying', to_stage: 'expanded', customers: 1 });
  });
});
