/**
 * A team switching to Tributary: Stripe first, then its old CRM's exports.
 * Contacts with a Stripe customer's email merge into that customer with both
 * histories; the rest stay prospects (metrics.md, Identity; issue 4 §3).
 * Counts and ids below are worked out by hand from the accounts and files
 * written here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addNote, addTags, findTarget } from '../../extract/crm/context/activities.js';
import { importCrmFiles } from '../../extract/crm/importCrm.js';
import { Scenario } from '../support/scenario.js';

const NOW = '2026-06-15T12:00:00Z';

describe('merging a HubSpot and a Pipedrive export into the Stripe customers', () => {
  let scenario: Scenario;
  let dir: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    scenario = await Scenario.run(
      (account) => {
        const price = account.price({ product: account.product({ name: 'Team' }), unitAmount: 5_000, interval: 'month' });
        for (const [name, email] of [['ada', 'ada@lovelace.io'], ['grace', 'Grace@Hopper.dev'], ['alan', 'alan@turing.org'], ['edsger', 'edsger@dijkstra.nl']] as const) {
          const customer = account.customer({ email, name, createdAt: '2026-01-10T08:00:00Z' });
          ids[name] = customer.id;
          account.subscribe(customer, { at: '2026-01-10T08:00:00Z', items: [{ price }] });
        }
      },
      { now: NOW },
    );
    dir = mkdtempSync(join(tmpdir(), 'tributary-crm-merge-'));
    // HubSpot's contact export headers; Grace's email differs only in case and spacing.
    writeFileSync(
      join(dir, 'hubspot-contacts.csv'),
      [
        'Record ID,First Name,Last Name,Email,Company Name,Contact owner,Lifecycle Stage,Create Date',
        '101,Ada,Lovelace,ada@lovelace.io,Analytical Engines,Maria Sales,customer,2025-11-02 10:00',
        '102,Grace,Hopper, grace@hopper.dev ,Navy Labs,Maria Sales,customer,2025-11-03 10:00',
        '103,Katherine,Johnson,katherine@nasa.gov,NASA,Sam Owner,lead,2025-12-01 09:00',
        '104,Dorothy,Vaughan,dorothy@nasa.gov,NASA,Sam Owner,lead,2025-12-02 09:00',
        '105,Dorothy,V.,dorothy@nasa.gov,NASA,Sam Owner,lead,2025-12-03 09:00',
      ].join('\r\n') + '\r\n',
    );
    // Pipedrive's person export: Alan is a Stripe customer too, Linus is not.
    writeFileSync(
      join(dir, 'pipedrive-persons.csv'),
      ['Person - ID,Person - Name,Person - Email,Person - Organization,Person - Owner', '7,Alan Turing,alan@turing.org,Bletchley,Jo Pipe', '8,Linus T,linus@kernel.org,Kernel,Jo Pipe'].join('\n') + '\n',
    );
    // HubSpot deals attached to a contact by email.
    writeFileSync(
      join(dir, 'hubspot-deals.csv'),
      ['Record ID,Deal Name,Deal Stage,Amount,Close Date,Pipeline,Deal owner,Associated Contact', '9001,Ada enterprise upgrade,contractsent,12000,2026-07-01,Sales Pipeline,Maria Sales,Ada Lovelace (ada@lovelace.io)'].join('\n') + '\n',
    );
    await importCrmFiles({ warehouse: scenario.warehouse, files: [join(dir, 'hubspot-contacts.csv'), join(dir, 'pipedrive-persons.csv'), join(dir, 'hubspot-deals.csv')] });
    await scenario.build();
    // Context typed in Tributary after the first build: by Stripe id and by email.
    await addNote(scenario.warehouse.db, await findTarget(scenario.warehouse, ids['ada']!), { kind: 'note', body: 'Asked about SSO on the renewal call', occurredAt: new Date('2026-06-01T10:00:00Z') });
    await addTags(scenario.warehouse.db, await findTarget(scenario.warehouse, 'ALAN@turing.org'), ['vip']);
    await scenario.build();
  });
  afterAll(async () => {
    await scenario?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('matches CRM records to Stripe customers by normalized email', async () => {
    const rows = await scenario.query<{ crm_system: string; crm_record_id: string; customer_id: string; matched: boolean }>(
      `select crm_system, crm_record_id, customer_id, matched from marts.identity_matches order by crm_system, crm_record_id`,
    );
    expect(rows).toEqual([
      { crm_system: 'hubspot', crm_record_id: '101', customer_id: ids['ada'], matched: true },
      { crm_system: 'hubspot', crm_record_id: '102', customer_id: ids['grace'], matched: true },
      { crm_system: 'hubspot', crm_record_id: '103', customer_id: 'crm:hubspot:103', matched: false },
      // Two Dorothy records share an email: one customer, named after the earliest created record.
      { crm_system: 'hubspot', crm_record_id: '104', customer_id: 'crm:hubspot:104', matched: false },
      { crm_system: 'hubspot', crm_record_id: '105', customer_id: 'crm:hubspot:104', matched: false },
      { crm_system: 'pipedrive', crm_record_id: '7', customer_id: ids['alan'], matched: true },
      { crm_system: 'pipedrive', crm_record_id: '8', customer_id: 'crm:pipedrive:8', matched: false },
    ]);
  });

  it('gives matched customers both histories and leaves the rest prospects', async () => {
    const customers = await scenario.query<{ customer_id: string; origin: string; company: string | null; owner: string | null; lifecycle_stage: string; crm_record_ids: string[]; tags: string[] }>(
      `select customer_id, origin, company, owner, lifecycle_stage, crm_record_ids, tags from marts.customers order by customer_id`,
    );
    const byId = Object.fromEntries(customers.map((c) => [c.customer_id, c]));
    // 4 Stripe customers + Katherine + the Dorothys + Linus = 7 customers.
    expect(customers).toHaveLength(7);
    expect(byId[ids['ada']!]).toMatchObject({ origin: 'both', company: 'Analytical Engines', owner: 'Maria Sales', lifecycle_stage: 'paying', crm_record_ids: ['hubspot:101'] });
    expect(byId[ids['alan']!]).toMatchObject({ origin: 'both', company: 'Bletchley', crm_record_ids: ['pipedrive:7'], tags: ['vip'] });
    expect(byId[ids['edsger']!]).toMatchObject({ origin: 'stripe', crm_record_ids: [] });
    expect(byId['crm:hubspot:104']).toMatchObject({ origin: 'crm', lifecycle_stage: 'prospect', crm_record_ids: ['hubspot:104', 'hubspot:105'] });
    expect(byId['crm:pipedrive:8']).toMatchObject({ origin: 'crm', lifecycle_stage: 'prospect' });
    // Stripe stays authoritative for MRR and identity: Ada's name comes from Stripe.
    const [ada] = await scenario.query<{ name: string; mrr: number }>(`select name, mrr::double as mrr from marts.customers where customer_id = ?`, [ids['ada']]);
    expect(ada).toEqual({ name: 'ada', mrr: 50 });
  });

  it('audits the migration', async () => {
    const audit = await scenario.query<{ category: string; n: number }>(`select category, count(*) as n from marts.crm_migration_audit group by category order by category`);
    // matched: Ada, Grace, Alan; crm_only: Katherine, Dorothy x2, Linus; stripe_only: Edsger;
    // email_collision: the two Dorothy records.
    expect(audit).toEqual([
      { category: 'crm_only', n: 4 },
      { category: 'email_collision', n: 2 },
      { category: 'matched', n: 3 },
      { category: 'stripe_only', n: 1 },
    ]);
  });

  it('attaches notes, deals and tags to the customer', async () => {
    const activities = await scenario.query<{ kind: string; subject: string; amount: number | null; crm_system: string }>(
      `select kind, subject, amount::double as amount, crm_system from marts.crm_activities where customer_id = ? order by kind`,
      [ids['ada']],
    );
    expect(activities).toEqual([
      { kind: 'deal', subject: 'Ada enterprise upgrade', amount: 12000, crm_system: 'hubspot' },
      { kind: 'note', subject: 'Asked about SSO on the renewal call', amount: null, crm_system: 'tributary' },
    ]);
  });

  it('counts the new prospects in the pipeline', async () => {
    const [prospects] = await scenario.query<{ customers: number }>(`select customers from marts.lifecycle_pipeline where stage = 'prospect'`);
    expect(prospects!.customers).toBe(3);
  });
});
