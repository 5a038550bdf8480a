import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCrmLeads } from '../support/demoCrm.js';
import { amountIn, buildReportsSite, visit, type ReportsSite } from '../support/reportsSite.js';

/**
 * The built reports in headless Chromium, over the published copy of a real
 * `tributary refresh --demo` of 400 customers with a HubSpot export imported
 * over it and notes and tags added (support/demoCrm.ts). One Evidence build
 * for the whole file. Every expected number is a query over the same
 * published copy the site was built from.
 */
let site: ReportsSite;
let customer: { id: string; name: string; mrr: number; stripe_ids: string; crm_ids: string };

beforeAll(async () => {
  site = await buildReportsSite({ name: 'site', customers: 400, seed: 11, now: new Date('2026-11-20T12:00:00Z') });
  // A paying customer with CRM notes: the one with the most MRR among them.
  customer = (await site.copy.one(
    `select c.customer_id as id, c.name, c.mrr::double as mrr,
            array_to_string(c.stripe_customer_ids, ', ') as stripe_ids, array_to_string(c.crm_record_ids, ', ') as crm_ids
     from marts.customers c
     where c.mrr > 0 and exists (select 1 from marts.crm_activities a where a.customer_id = c.customer_id and a.kind = 'note')
     order by c.mrr desc, c.customer_id limit 1`,
  ))!;
}, 30 * 60_000);

afterAll(async () => {
  await site?.close();
});

const pages: { name: string; path: () => string; heading: () => string; readyTestId?: string }[] = [
  { name: 'overview', path: () => '/', heading: () => 'Overview', readyTestId: 'overview-mrr' },
  { name: 'revenue', path: () => '/revenue/', heading: () => 'Revenue' },
  { name: 'churn', path: () => '/churn/', heading: () => 'Churn' },
  { name: 'customers', path: () => '/customers/', heading: () => 'Customers', readyTestId: 'customer-count' },
  { name: 'customer', path: () => `/customer/?id=${encodeURIComponent(customer.id)}`, heading: () => customer.name, readyTestId: 'customer-mrr' },
  { name: 'customer-unknown', path: () => '/customer/?id=cus_does_not_exist', heading: () => '', readyTestId: 'empty-state' },
  { name: 'customer-none', path: () => '/customer/', heading: () => '', readyTestId: 'empty-state' },
  { name: 'pipeline', path: () => '/pipeline/', heading: () => 'Pipeline' },
  { name: 'signals', path: () => '/signals/', heading: () => 'Signals' },
  { name: 'crm-audit', path: () => '/crm-audit/', heading: () => 'CRM import audit' },
  { name: 'freshness', path: () => '/freshness/', heading: () => 'Data freshness', readyTestId: 'last-refresh' },
  { name: 'dictionary', path: () => '/dictionary/', heading: () => 'Data dictionary', readyTestId: 'dictionary-model' },
];

describe('the built reports in a browser', () => {
  it('built every page from the published copy, in the account currency', async () => {
    expect(site.built.pages).toBeGreaterThanOrEqual(10);
    expect(site.built.reportingCurrency).toBe('usd');
    // 400 Stripe customers (a few sharing an email merge into one) and the export's CRM-only leads.
    const origins = await site.copy.all<{ origin: string; n: number }>(`select origin, count(*)::integer as n from marts.customers group by origin order by origin`);
    const byOrigin = Object.fromEntries(origins.map((row) => [row.origin, row.n]));
    expect(byOrigin['crm']).toBe(demoCrmLeads);
    expect(byOrigin['both']).toBeGreaterThan(150);
    expect(site.built.customers).toBe(origins.reduce((sum, row) => sum + row.n, 0));
  });

  for (const spec of pages) {
    it(`loads ${spec.name} with no error box, console error, failed request or request off the machine`, async () => {
      const { page, problems, errorBoxes, close } = await visit(site, spec.path(), { screenshot: spec.name, readyTestId: spec.readyTestId });
      try {
        expect(problems.consoleErrors).toEqual([]);
        expect(problems.pageErrors).toEqual([]);
        expect(problems.offsiteRequests).toEqual([]);
        expect(problems.failedRequests).toEqual([]);
        expect(problems.httpErrors).toEqual([]);
        expect(errorBoxes).toEqual([]);
        const headings = await page.locator('h1').allInnerTexts();
        if (spec.heading()) expect(headings).toContain(spec.heading());
      } finally {
        await close();
      }
    }, 6 * 60_000);
  }

  it("shows the current month's MRR of marts.mrr_monthly on the Overview", async () => {
    const expected = await site.copy.one<{ mrr: number; month: string }>(
      `select mrr::double as mrr, strftime(m.month, '%B %Y') as month from marts.mrr_monthly m order by m.month desc limit 1`,
    );
    expect(expected?.month).toBe('November 2026');
    const { page, close } = await visit(site, '/', { readyTestId: 'overview-mrr' });
    try {
      const text = await page.getByTestId('overview-mrr').innerText();
      expect(text).toContain('MRR');
      expect(amountIn(text)).toBe(expected!.mrr);
      expect(await page.locator('body').innerText()).toContain('November 2026');
    } finally {
      await close();
    }
  }, 6 * 60_000);

  it("shows a customer's MRR, identity and CRM notes on their page", async () => {
    const notes = await site.copy.all<{ subject: string }>(`select subject from marts.crm_activities where customer_id = ? and kind = 'note'`, [customer.id]);
    expect(notes.length).toBeGreaterThan(0);
    const { page, close } = await visit(site, `/customer/?id=${encodeURIComponent(customer.id)}`, { readyTestId: 'customer-mrr' });
    try {
      expect(await page.getByTestId('customer-name').innerText()).toBe(customer.name);
      expect(amountIn(await page.getByTestId('customer-mrr').innerText())).toBe(customer.mrr);
      const identity = await page.getByTestId('customer-identity').innerText();
      expect(identity).toContain(customer.stripe_ids);
      expect(identity).toContain(customer.crm_ids);
      const activities = await page.getByTestId('crm-activities').innerText();
      for (const note of notes) expect(activities).toContain(note.subject);
    } finally {
      await close();
    }
  }, 6 * 60_000);

  it('filters the customers list by stage, owner, tag and search, and opens a customer from it', async () => {
    const count = async (sql: string, params: unknown[] = []): Promise<number> => (await site.copy.one<{ n: number }>(sql, params))!.n;
    const total = await count(`select count(*)::integer as n from marts.customers`);
    const churned = await count(`select count(*)::integer as n from marts.customers where lifecycle_stage = 'churned'`);
    const owner = (await site.copy.one<{ owner: string; n: number }>(
      `select owner, count(*)::integer as n from marts.customers where owner is not null group by owner order by n desc, owner limit 1`,
    ))!;
    const tag = (await site.copy.one<{ tag: string; n: number }>(
      `select tag, count(*)::integer as n from (select unnest(tags) as tag from marts.customers) group by tag order by n desc, tag limit 1`,
    ))!;
    const churnedWithOwner = await count(`select count(*)::integer as n from marts.customers where lifecycle_stage = 'churned' and owner = ?`, [owner.owner]);
    expect(churned).toBeGreaterThan(0);

    const { page, close } = await visit(site, '/customers/', { readyTestId: 'customer-count' });
    const shown = async (expected: number): Promise<void> => {
      await expect
        .poll(async () => page.getByTestId('customer-count').innerText(), { timeout: 60_000 })
        .toMatch(new RegExp(`^Showing ${expected.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} customers`));
    };
    const choose = async (dropdown: string, option: string): Promise<void> => {
      await page.getByRole('combobox', { name: dropdown, exact: true }).click();
      await page.getByPlaceholder(dropdown, { exact: true }).fill(option);
      await page.getByRole('option', { name: option, exact: true }).click();
      await page.keyboard.press('Escape');
    };
    try {
      await shown(total);

      await choose('Stage', 'churned');
      await shown(churned);
      await choose('Owner', owner.owner);
      await shown(churnedWithOwner);
      await choose('Owner', 'Any owner');
      await choose('Stage', 'All stages');
      await shown(total);

      await choose('Tag', tag.tag);
      await shown(tag.n);
      await choose('Tag', 'Any tag');

      await page.getByPlaceholder('Name, email, company or id').fill(customer.id);
      await shown(1);
      await page.getByRole('cell', { name: customer.name }).click();
      await page.waitForURL(/\/customer\/\?id=/);
      await page.getByTestId('customer-name').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('customer-name').innerText()).toBe(customer.name);
      expect(new URL(page.url()).searchParams.get('id')).toBe(customer.id);
    } finally {
      await close();
    }
  }, 6 * 60_000);
});
