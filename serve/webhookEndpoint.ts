import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventSpool, StoreOutcome } from '../extract/webhooks/spool.js';
import { verifyStripeWebhook, type WebhookEvent } from '../extract/webhooks/verify.js';
import { readBody, WEBHOOK_BODY_LIMIT } from './readBody.js';
import { sendJson } from './respond.js';

/**
 * `POST /webhooks/stripe`: verify the signature over the raw body, store the
 * event durably, then answer 200. Nothing is stored for a delivery that fails
 * any check. The answer never waits for a refresh: applying the event is the
 * coordinator's job, after the 2xx.
 */
export interface WebhookEndpointOptions {
  /** Absent: the endpoint refuses every delivery. */
  readonly secret: string | undefined;
  readonly spool: EventSpool;
  readonly bodyLimit?: number;
  readonly onStored?: (event: WebhookEvent, outcome: StoreOutcome) => void;
  readonly onRejected?: (reason: string) => void;
}

export function createWebhookEndpoint(options: WebhookEndpointOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const limit = options.bodyLimit ?? WEBHOOK_BODY_LIMIT;
  return async (request, response) => {
    if (request.method !== 'POST') {
      sendJson(response, 405, { error: 'Webhooks are delivered with POST.' }, { Allow: 'POST' });
      return;
    }
    if (!options.secret) {
      refuse(request, response, 503, 'Webhooks are switched off: STRIPE_WEBHOOK_SECRET is not set on this server.');
      options.onRejected?.('no webhook secret is configured');
      return;
    }
    const read = await readBody(request, limit);
    if (!read.ok) {
      if (read.reason === 'too_large') {
        refuse(request, response, 413, `The body is over the ${limit.toLocaleString('en-US')}-byte limit.`);
        options.onRejected?.('the body is over the size limit');
      } else response.destroy();
      return;
    }
    const verdict = verifyStripeWebhook({ body: read.body, signatureHeader: request.headers['stripe-signature'], secret: options.secret });
    if (!verdict.ok) {
      sendJson(response, 400, { error: `Rejected: ${verdict.reason}.` });
      options.onRejected?.(verdict.reason);
      return;
    }
    let outcome: StoreOutcome;
    try {
      outcome = options.spool.store(verdict.event, read.body);
    } catch (error) {
      // Not stored, so not acknowledged: Stripe delivers it again later.
      sendJson(response, 500, { error: 'The event could not be stored; it will be accepted on a later delivery.' });
      throw error;
    }
    sendJson(response, 200, { received: true, id: verdict.event.id, duplicate: outcome === 'duplicate' });
    options.onStored?.(verdict.event, outcome);
  };
}

/**
 * Answers before the body is read (or while it is still arriving) and closes
 * the connection afterwards, so the rest of an oversized body is never read.
 */
function refuse(request: IncomingMessage, response: ServerResponse, status: number, message: string): void {
  response.shouldKeepAlive = false;
  sendJson(response, status, { error: message }, { Connection: 'close' });
  response.once('finish', () => {
    // Give the answer a moment to leave before the socket goes; the client may still be sending.
    setTimeout(() => request.socket.destroy(), 50).unref();
  });
}
