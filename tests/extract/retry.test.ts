import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { WorkError } from '../../errors/index.js';
import {
  backoffDelayMs,
  describeFailure,
  judgeFailure,
  parseRetryAfter,
  StripeNotFound,
  withRetry,
  type RetryPolicy,
} from '../../extract/stripe/retry.js';

// Real SDK error classes, built the way the SDK builds them from an answer.
function apiError(status: number, headers: Record<string, string> = {}, message = `status ${status}`): Error {
  const raw = { message, statusCode: status, headers, type: (status === 429 ? 'rate_limit_error' : status >= 500 ? 'api_error' : 'invalid_request_error') as 'api_error' };
  if (status === 429) return new Stripe.errors.StripeRateLimitError(raw);
  if (status >= 500) return new Stripe.errors.StripeAPIError(raw);
  if (status === 401) return new Stripe.errors.StripeAuthenticationError(raw);
  if (status === 403) return new Stripe.errors.StripePermissionError(raw);
  return new Stripe.errors.StripeInvalidRequestError(raw);
}

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

function recorder() {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
}

describe('judging a failed request', () => {
  it('retries 429, 5xx and network failures; 404 is a missing object; other 4xx are fatal', () => {
    const verdict = (status: number | undefined, shouldRetry?: boolean) => judgeFailure({ status, message: '', retryAfterMs: undefined, shouldRetry });
    expect(verdict(429)).toBe('retry');
    expect(verdict(500)).toBe('retry');
    expect(verdict(503)).toBe('retry');
    expect(verdict(undefined)).toBe('retry');
    expect(verdict(404)).toBe('not_found');
    expect(verdict(400)).toBe('fatal');
    expect(verdict(401)).toBe('fatal');
    expect(verdict(403)).toBe('fatal');
    // Stripe-Should-Retry overrides the status.
    expect(verdict(500, false)).toBe('fatal');
    expect(verdict(409, true)).toBe('retry');
  });

  it('reads status, Retry-After and Stripe-Should-Retry from SDK errors', () => {
    const failure = describeFailure(apiError(429, { 'retry-after': '2', 'stripe-should-retry': 'true' }));
    expect(failure).toEqual({ status: 429, message: 'status 429', retryAfterMs: 2000, shouldRetry: true });
    const connection = describeFailure(new Stripe.errors.StripeConnectionError({ message: 'socket hang up' }));
    expect(connection?.status).toBeUndefined();
    expect(judgeFailure(connection!)).toBe('retry');
  });

  it('treats programming errors as not a request failure', () => {
    expect(describeFailure(new TypeError('x is undefined'))).toBeUndefined();
    expect(describeFailure('a string')).toBeUndefined();
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('backoff', () => {
  it('draws a full-jitter wait under an exponential ceiling capped at the maximum', () => {
    // random() = 1 shows the ceiling itself: 100, 200, 400, 800, then the 1000 cap.
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(200);
  });
});

describe('withRetry', () => {
  it('retries a 429 and a 500, then returns the answer', async () => {
    const { sleeps, sleep } = recorder();
    const answers = [apiError(429), apiError(500)];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        const next = answers.shift();
        if (next) throw next;
        return 'page';
      },
      { what: 'invoices: a page', policy, sleep, random: () => 1 },
    );
    expect(result).toBe('page');
    expect(calls).toBe(3);
    expect(sleeps).toEqual([100, 200]);
  });

  it('waits at least what Retry-After asks', async () => {
    const { sleeps, sleep } = recorder();
    let calls = 0;
    await withRetry(
      async () => {
        if (calls++ === 0) throw apiError(429, { 'retry-after': '3' });
        return 'ok';
      },
      { what: 'x', policy, sleep, random: () => 0.1 },
    );
    expect(sleeps).toEqual([3000]);
  });

  it('gives up after the last attempt naming the stream and object, and says the raw tables are unchanged', async () => {
    const { sleeps, sleep } = recorder();
    const attempt = withRetry(
      async () => {
        throw apiError(503, {}, 'Service unavailable.');
      },
      { what: 'invoices: invoice in_123 lines', policy, sleep, random: () => 1 },
    );
    await expect(attempt).rejects.toBeInstanceOf(WorkError);
    await expect(attempt).rejects.toThrow('The request for invoices: invoice in_123 lines kept failing after 4 attempts (last: Service unavailable (HTTP 503)); the raw tables keep their last complete state.');
    expect(sleeps).toHaveLength(3);
  });

  it('fails at once on a 401, naming what was asked, without the key', async () => {
    let calls = 0;
    const attempt = withRetry(
      async () => {
        calls++;
        throw apiError(401, {}, 'Invalid API Key provided: sk_test_abcdef123456');
      },
      { what: 'customers: the page of objects created 2024-01-01T00:00:00Z to 2024-02-01T00:00:00Z', policy, secrets: ['sk_test_abcdef123456'] },
    );
    await expect(attempt).rejects.toThrow(/Stripe refused the request for customers: the page of objects created 2024-01-01T00:00:00Z/);
    await expect(attempt).rejects.toThrow(/HTTP 401/);
    await expect(attempt).rejects.not.toThrow(/sk_test_abcdef123456/);
    expect(calls).toBe(1);
  });

  it('turns a 404 into StripeNotFound without retrying', async () => {
    let calls = 0;
    const attempt = withRetry(
      async () => {
        calls++;
        throw apiError(404, {}, 'No such customer');
      },
      { what: 'customers: customer cus_1', policy },
    );
    await expect(attempt).rejects.toBeInstanceOf(StripeNotFound);
    expect(calls).toBe(1);
  });

  it('lets programming errors through untouched', async () => {
    await expect(withRetry(async () => { throw new TypeError('boom'); }, { what: 'x', policy })).rejects.toThrow(TypeError);
  });
});
