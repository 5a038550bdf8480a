import { UsageError, WorkError } from '../errors/index.js';
import { StripeReader } from '../extract/stripe/client.js';
import { RateBudget } from '../extract/stripe/rateBudget.js';
import { redactSecrets } from '../extract/stripe/secrets.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { StripeSource } from './source.js';

/**
 * One warehouse holds one Stripe account. A refresh from another account
 * (the demo account into a warehouse of real data, or a second key) would mix
 * two ledgers into numbers that mean nothing, so it is refused before
 * anything is read into the raw tables.
 */
export async function checkSameAccount(warehouse: Warehouse, source: StripeSource): Promise<void> {
  const stored = await storedAccount(warehouse);
  if (stored === undefined) return;
  const reader = new StripeReader({ apiKey: source.apiKey, apiBase: source.apiBase, budget: new RateBudget({ ratePerSecond: 10 }) });
  let current: string;
  try {
    current = (await reader.read('account: the account object', (api) => api.account.retrieve({}))).id;
  } catch (error) {
    throw new WorkError(`Reading the account from ${source.label} failed: ${redactSecrets(error instanceof Error ? error.message : String(error), source.apiKey).split('\n')[0]}`, { cause: error });
  } finally {
    reader.close();
  }
  if (current === stored.id) return;
  if (stored.isDemo && source.kind === 'stripe') {
    // The usual path: `npm start` without a key first, then with one.
    throw new UsageError(
      `The warehouse ${warehouse.path} holds the built-in demo account; to load ${source.label} (account ${current}), point TRIBUTARY_DB at another file, or delete ${warehouse.path} and the files beside it starting with its name to start over.`,
    );
  }
  throw new UsageError(
    `The warehouse ${warehouse.path} holds Stripe account ${stored.id}, but ${source.label} is account ${current}; one warehouse holds one account, so point TRIBUTARY_DB at another file for it.`,
  );
}

/** The demo generator's account email: how a warehouse of demo data is recognised. */
const DEMO_ACCOUNT_EMAIL = 'billing@tributary-demo.example';

async function storedAccount(warehouse: Warehouse): Promise<{ id: string; isDemo: boolean } | undefined> {
  const exists = await warehouse.one<{ n: number }>(
    `select count(*)::integer as n from information_schema.tables where table_schema = 'raw_stripe' and table_name = 'account'`,
  );
  if (!exists || exists.n === 0) return undefined;
  const row = await warehouse.one<{ id: string; email: string | null }>(`select id, data->>'email' as email from raw_stripe.account order by synced_at desc limit 1`);
  return row ? { id: row.id, isDemo: row.email === DEMO_ACCOUNT_EMAIL } : undefined;
}
