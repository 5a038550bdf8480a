import Stripe from 'stripe';

/**
 * The check every webhook delivery passes before anything is stored: the
 * `Stripe-Signature` header must sign this exact body (the raw bytes, before
 * any parsing) with our endpoint secret, within the tolerance, and the body
 * must be a Stripe event. The `stripe` SDK does the cryptography.
 */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The fields of an event we route on; the rest is kept as delivered. */
export interface WebhookEvent {
  readonly id: string;
  readonly type: string;
  /** Epoch seconds. */
  readonly created: number;
  readonly [field: string]: unknown;
}

export type WebhookVerdict = { readonly ok: true; readonly event: WebhookEvent } | { readonly ok: false; readonly reason: string };

export interface VerifyOptions {
  readonly body: Buffer;
  readonly signatureHeader: string | string[] | undefined;
  readonly secret: string;
  readonly toleranceSeconds?: number;
}

/** Event ids become file names in the spool: only Stripe's own shape is accepted. */
const EVENT_ID = /^evt_[A-Za-z0-9_]{1,200}$/;

export function verifyStripeWebhook(options: VerifyOptions): WebhookVerdict {
  const header = options.signatureHeader;
  const tolerance = options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  if (header === undefined || header === '') return { ok: false, reason: 'the Stripe-Signature header is missing' };
  if (Array.isArray(header)) return { ok: false, reason: 'the Stripe-Signature header was sent more than once' };
  let parsed: unknown;
  try {
    parsed = Stripe.webhooks.constructEvent(options.body, header, options.secret, tolerance);
  } catch (error) {
    return { ok: false, reason: describeFailure(error, tolerance) };
  }
  return checkEvent(parsed);
}

function checkEvent(parsed: unknown): WebhookVerdict {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, reason: 'the body is not a Stripe event object' };
  const event = parsed as Record<string, unknown>;
  if (typeof event['id'] !== 'string' || !EVENT_ID.test(event['id'])) return { ok: false, reason: 'the body has no Stripe event id (evt_...)' };
  if (typeof event['type'] !== 'string' || event['type'] === '') return { ok: false, reason: `the event ${event['id']} has no type` };
  if (typeof event['created'] !== 'number' || !Number.isFinite(event['created'])) return { ok: false, reason: `the event ${event['id']} has no created time` };
  return { ok: true, event: event as WebhookEvent };
}

/** One clause for the log and the 400 answer; never the secret (the SDK's messages do not carry it). */
function describeFailure(error: unknown, toleranceSeconds: number): string {
  if (error instanceof SyntaxError) return 'the body is not valid JSON';
  const message = error instanceof Error ? error.message : String(error);
  if (/tolerance/i.test(message)) return `the signature timestamp is outside the ${toleranceSeconds} s tolerance`;
  if (/Unable to extract timestamp and signatures/i.test(message)) return 'the Stripe-Signature header is malformed';
  if (/No signatures found matching/i.test(message)) return 'the signature does not match the body and the webhook secret';
  if (/JSON/i.test(message)) return 'the body is not valid JSON';
  return `the signature check failed (${message.split('\n')[0]})`;
}
