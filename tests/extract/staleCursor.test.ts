import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoAccount } from '../../demo/account/account.js';
import type { DemoServer } from '../../demo/server/startDemoServer.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { cliEnv, demoAccount, demoAdmin, extractOnce, runCli, startDemo, tempDir, type CliResult } from './support.js';

type Json = Record<string, any>;

let account: DemoAccount;
let server: DemoServer;
const temp = tempDir('tributary-stale-');
const dbPath = `${temp.dir}/w.duckdb`;
let deletedLive: Json;
let deletedWhileAway: Json;
let stale: CliResult;
let serverTimeAfter: number;

beforeAll(async () => {
  account = demoAccount(80, 42);
  server = await startDemo(account);
  await extractOnce(dbPath, server);
  const customers = account.objects('customers', ['invoice_settings.default_payment_method']) as Json[];
  // Deleted while we sync: the customer.deleted event marks it.
  deletedLive = customers[3]!;
  await demoAdmin(server, 'delete-customer', { customer: deletedLive['id'] });
  await extractOnce(dbPath, server);
  // Then nobody syncs for 31 days; meanwhile another customer is renamed and later deleted.
  deletedWhileAway = customers[7]!;
  await demoAdmin(server, 'update-customer', { customer: deletedWhileAway['id'], name: 'Renamed Before Deletion' });
  await demoAdmin(server, 'advance', { days: 31 });
  await demoAdmin(server, 'delete-customer', { customer: deletedWhileAway['id'] });
  serverTimeAfter = account.now;
  stale = await runCli(['extract', 'stripe'], { env: cliEnv(server, dbPath), cwd: temp.dir });
});
afterAll(async () => {
  await server?.close();
  temp.cleanup();
});

describe('a cursor older than 29 days', () => {
  it('falls back to a full read of the event-driven streams and says so on stdout', () => {
    expect(stale.code, stale.stderr).toBe(0);
    expect(stale.stdout).toMatch(/The last sync of customers, products, prices, coupons, subscriptions, invoices, invoiceitems, charges, refunds, disputes, credit_notes is 31 days old and Stripe keeps events for 30 days only, so these streams are read in full this time\./);
    // The summary table shows the fallback as a full read.
    expect(stale.stdout).toMatch(/customers\s+│\s+backfill/);
    expect(stale.stdout).toMatch(/balance_transactions\s+│\s+incremental/);
  });

  it('ends with exactly the account\'s objects, deletions marked, and fresh cursors', async () => {
    const warehouse = await Warehouse.open({ path: dbPath });
    try {
      for (const stream of ['customers', 'subscriptions', 'invoices', 'charges', 'balance_transactions']) {
        const live = await warehouse.all<{ id: string }>(`select id from raw_stripe.${stream} where not deleted order by id`);
        expect(live.map((r) => r.id), stream).toEqual([...account.ids(stream)].sort());
      }
      const states = await warehouse.all<{ stream: string; events_cursor: number }>(`select stream, events_cursor from meta.sync_state where stream in ('customers', 'invoices', 'balance_transactions')`);
      for (const state of states) expect(state.events_cursor, state.stream).toBe(serverTimeAfter);
    } finally {
      await warehouse.close();
    }
  });

  it('keeps deleted customers as rows marked deleted with their last data', async () => {
    const warehouse = await Warehouse.open({ path: dbPath });
    try {
      const read = async (id: string) => {
        const row = await warehouse.one<{ data: string; deleted: boolean }>(`select data::varchar as data, deleted from raw_stripe.customers where id = ?`, [id]);
        return { data: JSON.parse(row!.data) as Json, deleted: row!.deleted };
      };
      // Deleted while syncing: the data from before its deletion.
      expect(await read(deletedLive['id'])).toEqual({ data: deletedLive, deleted: true });
      // Deleted while no one synced: found missing by the full read; the last version we saw stays.
      const away = await read(deletedWhileAway['id']);
      expect(away.deleted).toBe(true);
      expect(away.data).toEqual(deletedWhileAway);
      expect(away.data['email']).toBe(deletedWhileAway['email']);
    } finally {
      await warehouse.close();
    }
  });
});
