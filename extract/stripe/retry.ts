import { WorkError } from '../../errors/index.js';
import { redactSecrets } from './secrets.js';

/**
 * Our own retries (the SDK's are off): 429, 5xx and network failures back off
 * exponentially with full jitter, honouring Retry-After and
 * Stripe-Should-Retry; anything else fails at once, because a 4xx on a read
 * means the extractor asked for something wrong and skipping it would lose data.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 };

/** A Retry-After longer than this is not waited for: the run fails instead of hanging. */
const MAX_RETRY_AFTER_MS = 120_000;

/** An HTTP failure as the retry logic sees it, whatever raised it. */
export interface RequestFailure {
  /** Undefined when no answer arrived (connection refused, reset, timeout). */
  readonly status: number | undefined;
  readonly message: string;
  readonly retryAfterMs: number | undefined;
  /** Stripe-Should-Retry: the server's own advice, when given. */
  readonly shouldRetry: boolean | undefined;
}

export type FailureVerdict = 'retry' | 'not_found' | 'fatal';

const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Reads a thrown value (a Stripe SDK error or a Node network error) into a RequestFailure; undefined for programming errors. */
export function describeFailure(error: unknown): RequestFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as Error & {
    type?: string;
    statusCode?: number;
    headers?: Record<string, string | string[] | undefined>;
    code?: string;
    detail?: unknown;
  };
  const isStripeError = typeof e.type === 'string' && e.type.startsWith('Stripe');
  if (!isStripeError && !(e.code && NETWORK_ERROR_CODES.has(e.code))) return undefined;
  const headers = e.headers ?? {};
  const header = (name: string): string | undefined => {
    const value = headers[name] ?? headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
  const shouldRetryHeader = header('stripe-should-retry');
  return {
    status: typeof e.statusCode === 'number' ? e.statusCode : undefined,
    message: e.message,
    retryAfterMs: parseRetryAfter(header('retry-after')),
    shouldRetry: shouldRetryHeader === 'true' ? true : shouldRetryHeader === 'false' ? false : undefined,
  };
}

export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export function judgeFailure(failure: RequestFailure): FailureVerdict {
  if (failure.shouldRetry === false) return failure.status === 404 ? 'not_found' : 'fatal';
  if (failure.shouldRetry === true) return 'retry';
  if (failure.status === undefined) return 'retry';
  if (failure.status === 404) return 'not_found';
  if (failure.status === 429 || failure.status >= 500) return 'retry';
  return 'fatal';
}

/** Full jitter: a uniform wait between 0 and the exponential ceiling of this attempt. */
export function backoffDelayMs(retryNumber: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retryNumber - 1));
  return random() * ceiling;
}

/** A Stripe object or sub-list was not found (HTTP 404); callers that retrieve by id treat it as a deletion. */
export class StripeNotFound extends Error {
  constructor(readonly what: string) {
    super(`${what} was not found (HTTP 404)`);
    this.name = 'StripeNotFound';
  }
}

export interface RetryContext {
  readonly policy?: RetryPolicy;
  /** Names the stream and the object or page, for the error a user sees. */
  readonly what: string;
  /** Secrets to strip from any message. */
  readonly secrets?: readonly string[];
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Told about every retry, e.g. to slow the shared budget on a 429. */
  readonly onRetry?: (failure: RequestFailure, delayMs: number) => void;
}

export async function withRetry<T>(request: () => Promise<T>, context: RetryContext): Promise<T> {
  const policy = context.policy ?? DEFAULT_RETRY_POLICY;
  const sleep = context.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const secrets = context.secrets ?? [];
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      const failure = describeFailure(error);
      if (!failure) throw error;
      const verdict = judgeFailure(failure);
      const detail = describeForUser(failure, secrets);
      if (verdict === 'not_found') throw new StripeNotFound(context.what);
      if (verdict === 'fatal') {
        throw new WorkError(`Stripe refused the request for ${context.what}: ${detail}; nothing was skipped, so the run stopped.`);
      }
      if (attempt >= policy.attempts) {
        throw new WorkError(`The request for ${context.what} kept failing after ${attempt} attempts (last: ${detail}); the raw tables keep their last complete state.`);
      }
      const jittered = backoffDelayMs(attempt, policy, context.random);
      const delay = failure.retryAfterMs !== undefined ? Math.min(MAX_RETRY_AFTER_MS, Math.max(failure.retryAfterMs, jittered)) : jittered;
      context.onRetry?.(failure, delay);
      await sleep(delay);
    }
  }
}

function describeForUser(failure: RequestFailure, secrets: readonly string[]): string {
  const firstLine = redactSecrets(failure.message.split('\n')[0] ?? '', ...secrets).trim();
  const status = failure.status === undefined ? 'no HTTP answer' : `HTTP ${failure.status}`;
  return firstLine ? `${firstLine.replace(/\.$/, '')} (${status})` : status;
}
