import type { DemoAccount } from '../account/account.js';
import { AccountView, COLLECTIONS } from '../account/collections.js';

/** How many objects each list of the account holds as of its clock (what a full extraction should find). */
export function accountSummary(account: DemoAccount, view: AccountView = new AccountView(account)): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const spec of COLLECTIONS) counts[spec.name] = view.index(spec.name).size;
  const store = account.store;
  let lines = 0;
  for (let inv = 0; inv < store.invoices.length; inv++) lines += store.invoices.c.lineCount[inv]!;
  counts['invoice_lines'] = lines;
  counts['deleted_customers'] = store.customers.filter((c) => c.materialized && c.deletedAt > 0).length;
  return counts;
}
