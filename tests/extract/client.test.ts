import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoServer } from '../../demo/server/startDemoServer.js';
import { createReadOnlySdk, NonGetRequestRefused, parseApiBase, StripeReader } from '../../extract/stripe/client.js';
import { RateBudget } from '../../extract/stripe/rateBudget.js';
import { UsageError } from '../../errors/index.js';
import { demoAccount, FAST_RETRY, startDemo, TEST_KEY } from './support.js';

let server: DemoServer;
beforeAll(async () => {
  server = await startDemo(demoAccount(10, 3));
});
afterAll(async () => {
  await server?.close();
});

describe('the read-only Stripe client', () => {
  it('refuses to send anything but GET, before it leaves the process', async () => {
    const { sdk, close } = createReadOnlySdk({ apiKey: TEST_KEY, apiBase: server.url, budget: new RateBudget({ ratePerSecond: 100 }) });
    server.stats.reset();
    try {
      const attempts = [
        sdk.customers.create({ email: 'x@example.com' }),
        sdk.customers.del('cus_123'),
        sdk.rawRequest('POST', '/v1/customers', { email: 'y@example.com' }),
      ];
      for (const attempt of attempts) {
        const error = await attempt.then(() => undefined, (e: unknown) => e);
        expect((error as { detail?: unknown }).detail).toBeInstanceOf(NonGetRequestRefused);
      }
      // A GET through the same SDK goes through.
      const list = await sdk.customers.list({ limit: 1 });
      expect(list.data).toHaveLength(1);
      expect(server.stats.byMethod).toEqual({ GET: 1 });
    } finally {
      close();
    }
  });

  it('pins the SDK\'s API version and leaves retries to us', () => {
    const { sdk, close } = createReadOnlySdk({ apiKey: TEST_KEY, apiBase: server.url, budget: new RateBudget({ ratePerSecond: 100 }) });
    try {
      expect(sdk.getApiField('version')).toBe('2026-10-28.endive');
      expect(sdk.getMaxNetworkRetries()).toBe(0);
      expect(sdk.getTelemetryEnabled()).toBe(false);
    } finally {
      close();
    }
  });

  it('reads the server clock from the Date header, not the machine clock', async () => {
    const reader = new StripeReader({ apiKey: TEST_KEY, apiBase: server.url, budget: new RateBudget({ ratePerSecond: 100 }), retryPolicy: FAST_RETRY });
    try {
      const account = await reader.read('account', (api) => api.account.retrieve({}));
      expect(account.object).toBe('account');
      // The demo account's clock stands at its generation time, far from the machine's now.
      expect(reader.serverNow()).toBe(server.account.now);
      expect(reader.stats.requests).toBe(1);
    } finally {
      reader.close();
    }
  });

  it('counts every request against the shared budget', async () => {
    const budget = new RateBudget({ ratePerSecond: 1000 });
    const reader = new StripeReader({ apiKey: TEST_KEY, apiBase: server.url, budget, retryPolicy: FAST_RETRY });
    try {
      await Promise.all([1, 2, 3].map(() => reader.read('customers page', (api) => api.customers.list({ limit: 2 }))));
      expect(budget.grantedCount).toBe(3);
      expect(reader.stats.requests).toBe(3);
    } finally {
      reader.close();
    }
  });

  it('takes host, port and protocol from STRIPE_API_BASE and refuses a base with a path', () => {
    expect(parseApiBase('http://127.0.0.1:12111')).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
    expect(parseApiBase('https://api.example.com')).toEqual({ host: 'api.example.com', port: 443, protocol: 'https' });
    expect(parseApiBase(undefined)).toBeUndefined();
    expect(() => parseApiBase('http://127.0.0.1:1/v1')).toThrow(UsageError);
    expect(() => parseApiBase('ftp://x')).toThrow(/http or https/);
  });

  it('names the object and strips the key when the server refuses a request', async () => {
    const reader = new StripeReader({ apiKey: TEST_KEY, apiBase: server.url, budget: new RateBudget({ ratePerSecond: 100 }), retryPolicy: FAST_RETRY });
    try {
      const invoice = server.account.ids('invoices')[0]!;
      const failure = reader.read(`invoices: invoice ${invoice} lines`, (api) => api.invoices.listLineItems(invoice, { limit: 100, bogus: 1 }));
      await expect(failure).rejects.toThrow(`Stripe refused the request for invoices: invoice ${invoice} lines: Received unknown parameter: bogus (HTTP 400); nothing was skipped, so the run stopped.`);
      // A missing object is not a refusal: retrieve-by-id callers treat it as a deletion.
      await expect(reader.read('customers: customer cus_nope', (api) => api.customers.retrieve('cus_nope', {}))).rejects.toThrow('customers: customer cus_nope was not found (HTTP 404)');
    } finally {
      reader.close();
    }
  });
});
