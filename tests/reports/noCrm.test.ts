import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amountIn, buildReportsSite, visit, type ReportsSite } from '../support/reportsSite.js';

/**
 * A Stripe-only account, before any CRM import: the CRM parts of the pages
 * say what to run instead of showing empty tables or errors.
 */
let site: ReportsSite;

beforeAll(async () => {
  site = await buildReportsSite({ name: 'no-crm', customers: 150, crm: false, seed: 5, now: new Date('2026-04-12T08:00:00Z') });
}, 30 * 60_000);

afterAll(async () => {
  await site?.close();
});

async function expectClean(visited: Awaited<ReturnType<typeof visit>>): Promise<void> {
  expect(visited.problems.consoleErrors).toEqual([]);
  expect(visited.problems.pageErrors).toEqual([]);
  expect(visited.problems.offsiteRequests).toEqual([]);
  expect(visited.problems.failedRequests).toEqual([]);
  expect(visited.problems.httpErrors).toEqual([]);
  expect(visited.errorBoxes).toEqual([]);
}

describe('the reports before a CRM import', () => {
  it('CRM import audit says no CRM was imported and which command imports one', async () => {
    const visited = await visit(site, '/crm-audit/', { screenshot: 'no-crm-crm-audit', readyTestId: 'empty-state' });
    try {
      await expectClean(visited);
      const empty = await visited.page.getByTestId('empty-state').innerText();
      expect(empty).toContain('No CRM imported yet');
      expect(empty).toContain('tributary import crm FILE');
    } finally {
      await visited.close();
    }
  }, 6 * 60_000);

  it('a customer page shows the Stripe side and says where CRM notes come from', async () => {
    const customer = (await site.copy.one<{ id: string; mrr: number }>(`select customer_id as id, mrr::double as mrr from marts.customers where mrr > 0 order by mrr desc, customer_id limit 1`))!;
    const visited = await visit(site, `/customer/?id=${encodeURIComponent(customer.id)}`, { screenshot: 'no-crm-customer', readyTestId: 'customer-mrr' });
    try {
      await expectClean(visited);
      expect(amountIn(await visited.page.getByTestId('customer-mrr').innerText())).toBe(customer.mrr);
      const empty = await visited.page.getByTestId('empty-state').innerText();
      expect(empty).toContain('No CRM imported yet');
      expect(empty).toContain('tributary import crm FILE');
    } finally {
      await visited.close();
    }
  }, 6 * 60_000);

  it('the customers list still filters by stage and says owners and tags need a CRM import', async () => {
    const visited = await visit(site, '/customers/', { screenshot: 'no-crm-customers', readyTestId: 'customer-count' });
    try {
      await expectClean(visited);
      const text = await visited.page.locator('body').innerText();
      expect(text).toContain('No CRM imported yet, so there are no owners or tags to filter by: run tributary import crm FILE.');
      const total = (await site.copy.one<{ n: number }>(`select count(*)::integer as n from marts.customers`))!.n;
      expect(await visited.page.getByTestId('customer-count').innerText()).toMatch(new RegExp(`^Showing ${total} of ${total} customers`));
    } finally {
      await visited.close();
    }
  }, 6 * 60_000);

  for (const [name, path] of [
    ['overview', '/'],
    ['signals', '/signals/'],
    ['pipeline', '/pipeline/'],
  ] as const) {
    it(`${name} loads cleanly`, async () => {
      const visited = await visit(site, path, { screenshot: `no-crm-${name}` });
      try {
        await expectClean(visited);
      } finally {
        await visited.close();
      }
    }, 6 * 60_000);
  }
});
