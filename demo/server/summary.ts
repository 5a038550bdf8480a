import type { DemoAccount } from '../account/account.js';

/** How many objects each list of the account holds as of its clock, plus invoice lines and deleted customers. */
export function accountSummary(account: DemoAccount): Record<string, number> {
  const counts = account.counts();
  const store = account.store;
  let lines = 0;
  for (let inv = 0; inv < store.invoices.length; inv++) lines += store.invoices.c.lineCount[inv]!;
  counts['invoice_lines'] = lines;
  counts['deleted_customers'] = store.customers.filter((c) => c.materialized && c.deletedAt > 0).length;
  return counts;
}
