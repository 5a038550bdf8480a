import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../demo/account/collections.js';
import type { DemoAccount } from '../../demo/account/account.js';
import { renderLine } from '../../demo/account/render/invoices.js';
import { generateDemoAccount } from '../../demo/generate/generateDemoAccount.js';
import { startDemoServer } from '../../demo/server/startDemoServer.js';

const NOW = '2026-06-15T12:00:00Z';

/** A digest of everything the account answers: every object of every list, every invoice line, the account. */
function digest(account: DemoAccount): string {
  const hash = createHash('sha256');
  for (const spec of COLLECTIONS) for (const object of account.objects(spec.name)) hash.update(JSON.stringify(object));
  const ctx = { store: account.store, asOf: account.now };
  for (let line = 0; line < account.store.lines.length; line++) hash.update(JSON.stringify(renderLine(ctx, line)));
  return hash.digest('hex');
}

async function pageBytes(account: DemoAccount, paths: string[]): Promise<string[]> {
  const server = await startDemoServer({ account });
  try {
    const out: string[] = [];
    for (const path of paths) {
      const response = await fetch(`${server.url}${path}`, { headers: { Authorization: 'Bearer sk_test_demo' } });
      out.push(`${response.headers.get('date')}\n${await response.text()}`);
    }
    return out;
  } finally {
    await server.close();
  }
}

describe('determinism', () => {
  it('generates identical accounts from one seed, and different ones from another', () => {
    const first = generateDemoAccount({ customers: 400, seed: 5, now: NOW });
    const second = generateDemoAccount({ customers: 400, seed: 5, now: NOW });
    const other = generateDemoAccount({ customers: 400, seed: 6, now: NOW });
    expect(digest(second)).toBe(digest(first));
    expect(digest(other)).not.toBe(digest(first));
    expect(second.ids('customers')).toEqual(first.ids('customers'));
    expect(other.ids('customers')).not.toEqual(first.ids('customers'));
  });

  it('answers byte-identical API pages from two generations of one seed', async () => {
    const paths = ['/v1/customers?limit=100', '/v1/invoices?limit=100&expand[]=data.discounts', '/v1/events?limit=100', '/v1/balance_transactions?limit=100', '/v1/subscriptions?status=all&limit=100&expand[]=data.default_payment_method'];
    const a = await pageBytes(generateDemoAccount({ customers: 150, seed: 9, now: NOW }), paths);
    const b = await pageBytes(generateDemoAccount({ customers: 150, seed: 9, now: NOW }), paths);
    expect(b).toEqual(a);
    expect(a[0]!.length).toBeGreaterThan(10_000);
  });

  it('does not depend on the wall clock when now is pinned', () => {
    const account = generateDemoAccount({ customers: 50, seed: 5, now: NOW });
    expect(account.nowIso).toBe(NOW);
    const created = account.objects('customers').map((c) => c['created'] as number);
    expect(Math.max(...created)).toBeLessThanOrEqual(Date.parse(NOW) / 1000);
    expect(Math.min(...created)).toBeGreaterThan(Date.parse(NOW) / 1000 - 2 * 366 * 86_400);
  });
});
