import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { verifyStripeWebhook } from '../../extract/webhooks/verify.js';
import { signedDelivery, WEBHOOK_SECRET } from '../refresh/support.js';

const now = () => Math.floor(Date.now() / 1000);

function event(overrides: Record<string, unknown> = {}) {
  return {
    id: 'evt_1VerifyTest000001',
    object: 'event',
    api_version: '2026-10-28.endive',
    created: now(),
    livemode: false,
    type: 'customer.subscription.deleted',
    data: { object: { id: 'sub_1VerifyTest', object: 'subscription', status: 'canceled' } },
    ...overrides,
  };
}

function verify(body: string | Buffer, signature: string | string[] | undefined, secret = WEBHOOK_SECRET) {
  return verifyStripeWebhook({ body: Buffer.isBuffer(body) ? body : Buffer.from(body), signatureHeader: signature, secret });
}

describe('verifying a webhook delivery with the stripe SDK', () => {
  it('accepts a body signed with the secret and returns the event', () => {
    const { body, signature } = signedDelivery(event());
    const verdict = verify(body, signature);
    expect(verdict).toMatchObject({ ok: true, event: { id: 'evt_1VerifyTest000001', type: 'customer.subscription.deleted' } });
  });

  it('accepts a timestamp 299 s old and refuses one 301 s old (300 s tolerance)', () => {
    const fresh = signedDelivery(event(), { timestamp: now() - 299 });
    expect(verify(fresh.body, fresh.signature).ok).toBe(true);
    const stale = signedDelivery(event(), { timestamp: now() - 301 });
    expect(verify(stale.body, stale.signature)).toEqual({ ok: false, reason: 'the signature timestamp is outside the 300 s tolerance' });
  });

  it('refuses a missing, repeated, malformed or forged signature header', () => {
    const { body, signature } = signedDelivery(event());
    expect(verify(body, undefined)).toEqual({ ok: false, reason: 'the Stripe-Signature header is missing' });
    expect(verify(body, '')).toEqual({ ok: false, reason: 'the Stripe-Signature header is missing' });
    expect(verify(body, [signature, signature])).toEqual({ ok: false, reason: 'the Stripe-Signature header was sent more than once' });
    expect(verify(body, 'not a signature')).toEqual({ ok: false, reason: 'the Stripe-Signature header is malformed' });
    const forged = `t=${now()},v1=${'0'.repeat(64)}`;
    expect(verify(body, forged)).toEqual({ ok: false, reason: 'the signature does not match the body and the webhook secret' });
  });

  it('refuses a body signed with another secret', () => {
    const { body, signature } = signedDelivery(event(), { secret: 'whsec_SomeoneElsesSecret000000000000' });
    expect(verify(body, signature)).toEqual({ ok: false, reason: 'the signature does not match the body and the webhook secret' });
  });

  it('refuses a body changed after signing, even by one byte', () => {
    const { body, signature } = signedDelivery(event());
    const tampered = body.replace('"canceled"', '"active"');
    expect(tampered).not.toBe(body);
    expect(verify(tampered, signature).ok).toBe(false);
    expect(verify(`${body} `, signature).ok).toBe(false);
  });

  it('refuses a correctly signed body that is not JSON, or not a Stripe event', () => {
    const notJson = signedDelivery('{"id": "evt_1", "type": ');
    expect(verify(notJson.body, notJson.signature)).toEqual({ ok: false, reason: 'the body is not valid JSON' });
    const noId = signedDelivery(event({ id: undefined }));
    expect(verify(noId.body, noId.signature)).toEqual({ ok: false, reason: 'the body has no Stripe event id (evt_...)' });
    const pathId = signedDelivery(event({ id: 'evt_../../etc/passwd' }));
    expect(verify(pathId.body, pathId.signature)).toEqual({ ok: false, reason: 'the body has no Stripe event id (evt_...)' });
    const noType = signedDelivery(event({ type: '' }));
    expect(verify(noType.body, noType.signature)).toEqual({ ok: false, reason: 'the event evt_1VerifyTest000001 has no type' });
    const array = signedDelivery('[1, 2]');
    expect(verify(array.body, array.signature)).toEqual({ ok: false, reason: 'the body is not a Stripe event object' });
  });

  it('checks the raw bytes: the same JSON re-serialized does not verify', () => {
    const { body, signature } = signedDelivery(event());
    const reserialized = JSON.stringify(JSON.parse(body));
    expect(reserialized).not.toBe(body);
    expect(verify(reserialized, signature).ok).toBe(false);
    // And the SDK agrees with us on the original.
    expect(() => Stripe.webhooks.constructEvent(body, signature, WEBHOOK_SECRET)).not.toThrow();
  });
});
