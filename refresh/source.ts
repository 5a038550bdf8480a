import type { DemoAccount } from '../demo/account/account.js';
import type { DemoServer } from '../demo/server/startDemoServer.js';

/**
 * Where a refresh reads Stripe from: the account of STRIPE_API_KEY, or the
 * built-in demo account served in-process by the Stripe-compatible demo
 * server (no key, no network).
 */
export interface StripeSource {
  readonly kind: 'stripe' | 'demo';
  readonly apiKey: string;
  readonly apiBase?: string | undefined;
  /** Requests per second; the extractor's default for the key when absent. */
  readonly rate?: number | undefined;
  /** For messages: "the Stripe account of STRIPE_API_KEY", "the built-in demo account". */
  readonly label: string;
  /**
   * Whether the next refresh must re-read everything. The demo account is
   * generated again, relative to now, by each process that starts one: its
   * objects shift in time, so the first read of a process must be full (an
   * incremental one would mix two generations); later ones follow its events.
   */
  needsFullRead: boolean;
}

export interface DemoSource extends StripeSource {
  readonly kind: 'demo';
  readonly account: DemoAccount;
  readonly customers: number;
  readonly seed: number;
  /** Moves the account clock to `now` (epoch seconds) so renewals and trial ends happen as time passes while serve runs. */
  advanceTo(now: number): void;
  close(): Promise<void>;
}

export const DEMO_CUSTOMERS = 1_000;
export const DEMO_SEED = 42;
/** The demo server enforces no rate limit; the extractor's concurrency follows the rate. */
const DEMO_RATE = 500;
/** Any test key works with the demo server; this one says what it is. */
const DEMO_KEY = 'sk_test_tributary_demo';

export function stripeSource(options: { apiKey: string; apiBase?: string | undefined; rate?: number | undefined }): StripeSource {
  return {
    kind: 'stripe',
    apiKey: options.apiKey,
    apiBase: options.apiBase,
    rate: options.rate,
    label: options.apiBase ? `the Stripe API at ${options.apiBase}` : 'the Stripe account of STRIPE_API_KEY',
    needsFullRead: false,
  };
}

export interface DemoSourceOptions {
  readonly customers?: number;
  readonly seed?: number;
  /** The account clock; the real now when absent. */
  readonly now?: Date;
  readonly onProgress?: (phase: 'planning' | 'simulating', done: number, total: number) => void;
}

/** Generates the demo account and serves it on a free port of 127.0.0.1 until closed. */
export async function startDemoSource(options: DemoSourceOptions = {}): Promise<DemoSource> {
  const customers = options.customers ?? DEMO_CUSTOMERS;
  const seed = options.seed ?? DEMO_SEED;
  // The generator (and faker's data) loads only when a demo account is wanted.
  const [{ generateDemoAccount }, { startDemoServer }] = await Promise.all([
    import('../demo/generate/generateDemoAccount.js'),
    import('../demo/server/startDemoServer.js'),
  ]);
  const account = generateDemoAccount({
    customers,
    seed,
    now: Math.floor((options.now ?? new Date()).getTime() / 1000),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const server: DemoServer = await startDemoServer({ account, port: 0 });
  return {
    kind: 'demo',
    apiKey: DEMO_KEY,
    apiBase: server.url.replace(/\/$/, ''),
    rate: DEMO_RATE,
    label: 'the built-in demo account',
    needsFullRead: true,
    account,
    customers,
    seed,
    advanceTo(now: number) {
      if (now > account.now) account.advanceTo(now);
    },
    close: () => server.close(),
  };
}
