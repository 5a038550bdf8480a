import { request } from 'node:http';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSpool } from '../../extract/webhooks/spool.js';
import { startHttpServer, type ServeHttpServer } from '../../serve/httpServer.js';
import { createServeLogger } from '../../serve/logger.js';
import { createWebhookEndpoint } from '../../serve/webhookEndpoint.js';
import { postWebhook, removeTempDirs, signedDelivery, TEST_KEY, tempDir, WEBHOOK_SECRET } from '../refresh/support.js';

/**
 * The webhook endpoint over real HTTP, with the real spool on disk: every
 * refusal stores nothing, every valid event is on disk before the 200.
 */
let server: ServeHttpServer;
let spool: EventSpool;
let logText: string;
let stored: string[];

async function start(secret: string | undefined): Promise<void> {
  const dir = tempDir('tributary-webhooks-');
  spool = new EventSpool(join(dir, 'w.webhooks'));
  logText = '';
  stored = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => (logText += chunk.toString()));
  const logger = createServeLogger({ secrets: [TEST_KEY, WEBHOOK_SECRET], destination });
  server = await startHttpServer({
    port: 0,
    siteDir: join(dir, 'w.reports'),
    notBuiltMessage: 'not built yet',
    webhook: createWebhookEndpoint({
      secret,
      spool,
      onStored: (event, outcome) => {
        // Durable before the answer: the file is already there when we are told.
        expect(readdirSync(spool.pendingDir)).toContain(`${event.id}.json`);
        stored.push(`${event.id}:${outcome}`);
      },
      onRejected: (reason) => logger.warn({ reason, key: TEST_KEY }, 'webhook rejected'),
    }),
    health: () => ({ status: 'ok', lastSuccessfulRefreshAt: null, runInProgress: false }),
    logger,
  });
}

afterEach(async () => {
  await server?.close();
  removeTempDirs();
});

function cancellation(id = 'evt_1EndpointCancel01') {
  return {
    id,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    type: 'customer.subscription.deleted',
    data: { object: { id: 'sub_1Endpoint', object: 'subscription', customer: 'cus_1Endpoint', status: 'canceled' } },
  };
}

function storedFiles(): string[] {
  return [...readdirSync(spool.pendingDir), ...readdirSync(spool.appliedDir)];
}

describe('POST /webhooks/stripe with a secret', () => {
  beforeEach(() => start(WEBHOOK_SECRET));

  it('stores a signed event and answers 200; the same event again is stored once', async () => {
    const { body, signature } = signedDelivery(cancellation());
    const first = await postWebhook(server.url, body, { 'Stripe-Signature': signature });
    expect(first).toEqual({ status: 200, json: { received: true, id: 'evt_1EndpointCancel01', duplicate: false } });
    const again = signedDelivery(cancellation());
    const second = await postWebhook(server.url, again.body, { 'Stripe-Signature': again.signature });
    expect(second).toEqual({ status: 200, json: { received: true, id: 'evt_1EndpointCancel01', duplicate: true } });
    expect(storedFiles()).toEqual(['evt_1EndpointCancel01.json']);
    expect(stored).toEqual(['evt_1EndpointCancel01:stored', 'evt_1EndpointCancel01:duplicate']);
    expect(spool.read('evt_1EndpointCancel01')!.event).toEqual(JSON.parse(body));
  });

  it('answers 400 and stores nothing for a missing, forged or wrong-secret signature, a tampered body, a stale timestamp or invalid JSON', async () => {
    const { body, signature } = signedDelivery(cancellation());
    const wrongSecret = signedDelivery(cancellation(), { secret: 'whsec_NotTheEndpointSecret00000000000' });
    const stale = signedDelivery(cancellation(), { timestamp: Math.floor(Date.now() / 1000) - 301 });
    const notJson = signedDelivery('{"id": "evt_1Broken", ');
    const cases: [string, string, Record<string, string>, string][] = [
      ['missing', body, {}, 'Rejected: the Stripe-Signature header is missing.'],
      ['forged', body, { 'Stripe-Signature': `t=${Math.floor(Date.now() / 1000)},v1=${'ab'.repeat(32)}` }, 'Rejected: the signature does not match the body and the webhook secret.'],
      ['wrong secret', wrongSecret.body, { 'Stripe-Signature': wrongSecret.signature }, 'Rejected: the signature does not match the body and the webhook secret.'],
      ['tampered', body.replace('cus_1Endpoint', 'cus_1Someone'), { 'Stripe-Signature': signature }, 'Rejected: the signature does not match the body and the webhook secret.'],
      ['stale', stale.body, { 'Stripe-Signature': stale.signature }, 'Rejected: the signature timestamp is outside the 300 s tolerance.'],
      ['invalid JSON', notJson.body, { 'Stripe-Signature': notJson.signature }, 'Rejected: the body is not valid JSON.'],
    ];
    for (const [name, payload, headers, message] of cases) {
      const answer = await postWebhook(server.url, payload, headers);
      expect({ name, ...answer }).toEqual({ name, status: 400, json: { error: message } });
    }
    expect(storedFiles()).toEqual([]);
    expect(stored).toEqual([]);
  });

  it('answers 413 for a body over 1 MiB, declared or streamed, and stores nothing', async () => {
    const big = JSON.stringify({ ...cancellation('evt_1TooBig'), padding: 'x'.repeat(1024 * 1024) });
    const { signature } = signedDelivery(big);
    expect((await postWebhook(server.url, big, { 'Stripe-Signature': signature })).status).toBe(413);

    // Chunked, no Content-Length: reading stops at the limit.
    const streamed = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
      let sent = 0;
      const req = request(new URL('/webhooks/stripe', server.url), { method: 'POST', headers: { 'Stripe-Signature': signature, 'Transfer-Encoding': 'chunked' } }, (response) => {
        response.resume();
        resolve({ status: response.statusCode!, sent });
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = (): void => {
        while (sent < 8 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect(streamed.status).toBe(413);
    expect(storedFiles()).toEqual([]);
  });

  it('accepts a body of exactly 1 MiB', async () => {
    const base = JSON.stringify({ ...cancellation('evt_1JustFits'), padding: '' });
    const exact = base.replace('"padding":""', `"padding":"${'y'.repeat(1024 * 1024 - base.length)}"`);
    expect(Buffer.byteLength(exact)).toBe(1024 * 1024);
    const { signature } = signedDelivery(exact);
    expect((await postWebhook(server.url, exact, { 'Stripe-Signature': signature })).status).toBe(200);
    expect(storedFiles()).toEqual(['evt_1JustFits.json']);
  });

  it('refuses other methods on the endpoint, and logs one line per request without any secret', async () => {
    const get = await fetch(new URL('/webhooks/stripe', server.url));
    expect(get.status).toBe(405);
    const health = await fetch(new URL('/healthz', server.url));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', lastSuccessfulRefreshAt: null, runInProgress: false });
    const { body } = signedDelivery(cancellation());
    await postWebhook(server.url, body, { 'Stripe-Signature': `t=1,v1=${'0'.repeat(64)}` });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const lines = logText.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = lines.filter((line) => line['msg'] === 'request');
    expect(requests.map((line) => [line['method'], line['path'], line['status']])).toEqual([
      ['GET', '/webhooks/stripe', 405],
      ['GET', '/healthz', 200],
      ['POST', '/webhooks/stripe', 400],
    ]);
    expect(lines.some((line) => line['msg'] === 'webhook rejected')).toBe(true);
    expect(logText).not.toContain(WEBHOOK_SECRET);
    expect(logText).not.toContain(TEST_KEY);
    expect(logText).toContain('[redacted]');
  });

  it('serves the reports site, saying so while none is built', async () => {
    const response = await fetch(new URL('/', server.url));
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('not built yet\n');
  });
});

describe('POST /webhooks/stripe without a secret', () => {
  beforeEach(() => start(undefined));

  it('refuses every delivery, even a correctly signed one, and stores nothing', async () => {
    const { body, signature } = signedDelivery(cancellation());
    const answer = await postWebhook(server.url, body, { 'Stripe-Signature': signature });
    expect(answer).toEqual({ status: 503, json: { error: 'Webhooks are switched off: STRIPE_WEBHOOK_SECRET is not set on this server.' } });
    expect(storedFiles()).toEqual([]);
  });
});
