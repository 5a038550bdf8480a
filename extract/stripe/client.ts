import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import Stripe from 'stripe';
import { UsageError } from '../../errors/index.js';
import { RateBudget } from './rateBudget.js';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry.js';
import { ObjectText, splitListPage, type ListPageText, type WantedFields } from './listText.js';
import { PageMemory } from './pageMemory.js';
import { redactSecrets } from './secrets.js';

/** A Stripe object as the API returns it: we keep it whole, so only the fields we route on are typed. */
export interface StripeObject {
  id: string;
  object: string;
  created?: number;
  deleted?: boolean;
  [field: string]: unknown;
}

export interface StripeList {
  object: 'list';
  data: StripeObject[];
  has_more: boolean;
  url?: string;
}

export type ListParams = Record<string, unknown>;

interface ListAndRetrieve {
  list(params: ListParams): Promise<StripeList>;
  retrieve(id: string, params: ListParams): Promise<StripeObject>;
}

/**
 * The only Stripe calls the extractor can make: lists and retrieves. The SDK's
 * create/update/delete methods are not reachable from here, and the HTTP layer
 * below refuses any method but GET in case one ever were.
 */
export interface StripeReadApi {
  account: { retrieve(params: ListParams): Promise<StripeObject> };
  customers: ListAndRetrieve;
  products: ListAndRetrieve;
  prices: ListAndRetrieve;
  coupons: ListAndRetrieve;
  subscriptions: ListAndRetrieve;
  subscriptionItems: { list(params: ListParams & { subscription: string }): Promise<StripeList> };
  invoices: ListAndRetrieve & { listLineItems(invoiceId: string, params: ListParams): Promise<StripeList> };
  invoiceItems: ListAndRetrieve;
  charges: ListAndRetrieve;
  refunds: ListAndRetrieve;
  disputes: ListAndRetrieve;
  balanceTransactions: ListAndRetrieve;
  creditNotes: ListAndRetrieve;
  paymentMethods: { retrieve(id: string, params: ListParams): Promise<StripeObject> };
  events: ListAndRetrieve;
}

export interface StripeClientOptions {
  readonly apiKey: string;
  /** e.g. http://127.0.0.1:12111 for a Stripe-compatible server; Stripe's own API otherwise. */
  readonly apiBase?: string | undefined;
  readonly budget: RateBudget;
  readonly retryPolicy?: RetryPolicy;
  /** Per request, milliseconds. */
  readonly timeoutMs?: number;
  /**
   * Told how long each answered request took (ms), e.g. to size the request
   * pool: from when it was sent to its answer's headers, not counting its wait
   * for the rate budget (counted, a pool larger than needed queued at the
   * budget, measured longer requests and grew further, to its largest size).
   */
  readonly onRequestTime?: (ms: number) => void;
}

export class NonGetRequestRefused extends Error {
  constructor(method: string, path: string) {
    super(`The Stripe extractor only reads: a ${method} request to ${path.split('?')[0]} was refused before it left the process.`);
    this.name = 'NonGetRequestRefused';
  }
}

/** What the client has seen, for progress, the summary and the request-count tests. */
export interface ClientStats {
  requests: number;
  retries: number;
  rateLimited: number;
  serverErrors: number;
  networkErrors: number;
}

/** Set around an SDK call whose list answer should come back as text (see listText.ts). */
const listTextScope = new AsyncLocalStorage<WantedFields>();

type SdkResponse = Awaited<ReturnType<InstanceType<typeof Stripe.HttpClient>['makeRequest']>>;

/**
 * An answer whose body, when it is a list, reaches the SDK split into object
 * texts instead of parsed (the SDK passes a successful body through as is).
 * Errors and anything that is not a list are parsed as the SDK would.
 */
class ListTextResponse extends Stripe.HttpClientResponse {
  constructor(
    private readonly inner: SdkResponse,
    private readonly wanted: WantedFields,
    private readonly pageMemory: PageMemory,
  ) {
    super(inner.getStatusCode(), inner.getHeaders());
  }

  override getRawResponse(): unknown {
    return this.inner.getRawResponse();
  }

  override toStream(done: () => void): unknown {
    return this.inner.toStream(done);
  }

  override async toJSON(): Promise<unknown> {
    if (this.getStatusCode() !== 200) return this.inner.toJSON();
    const raw = this.inner.getRawResponse() as IncomingMessage;
    const body = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      raw.on('data', (chunk: Buffer) => chunks.push(chunk));
      raw.once('error', (error) => reject(Stripe.HttpClient.makeResponseBodyError(error)));
      // Not every truncated answer emits an error: closing before the end is one.
      raw.once('close', () => {
        if (!raw.complete) reject(Stripe.HttpClient.makeResponseBodyError(null));
      });
      raw.once('end', () => resolve(Buffer.concat(chunks)));
    });
    this.pageMemory.received(body.length);
    return splitListPage(body, this.wanted) ?? JSON.parse(body.toString('utf8'));
  }
}

/**
 * Wraps the SDK's own Node HTTP client: refuses anything but GET, spends one
 * token of the shared budget per request actually sent (the SDK may resend
 * a request on a closed keep-alive socket even with retries off), and reads
 * the server's clock from each answer's Date header.
 */
class GuardedHttpClient extends Stripe.HttpClient {
  constructor(
    private readonly inner: InstanceType<typeof Stripe.HttpClient>,
    private readonly budget: RateBudget,
    private readonly onResponse: (headers: Record<string, unknown>) => void,
    private readonly onSend: () => void,
    private readonly onAnswered: (ms: number) => void,
    private readonly pageMemory = new PageMemory(),
  ) {
    super();
  }

  override getClientName(): string {
    return 'tributary-read-only';
  }

  override async makeRequest(host: string, port: string, path: string, method: string, headers: Record<string, string | number | string[]>, requestData: string, protocol: string, timeout: number) {
    if (method.toUpperCase() !== 'GET') throw new NonGetRequestRefused(method, path);
    await this.budget.take();
    this.onSend();
    const sent = performance.now();
    const response = await this.inner.makeRequest(host, port, path, method, headers, requestData, protocol, timeout);
    this.onAnswered(performance.now() - sent);
    this.onResponse(response.getHeaders() as Record<string, unknown>);
    const wanted = listTextScope.getStore();
    return wanted ? new ListTextResponse(response, wanted, this.pageMemory) : response;
  }
}

export function parseApiBase(apiBase: string | undefined): { host: string; port: number; protocol: 'http' | 'https' } | undefined {
  if (!apiBase) return undefined;
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    throw new UsageError(`The setting STRIPE_API_BASE must be a URL such as http://127.0.0.1:12111 (got ${JSON.stringify(apiBase)}).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`The setting STRIPE_API_BASE must use http or https (got ${url.protocol.replace(':', '')}).`);
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new UsageError(`The setting STRIPE_API_BASE must not have a path, the client adds /v1/... itself (got ${JSON.stringify(url.pathname)}).`);
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443, protocol };
}

/**
 * The SDK, configured for reading: pinned API version, no SDK retries (ours
 * honour the budget and Retry-After), no telemetry, GET only.
 */
export function createReadOnlySdk(options: {
  apiKey: string;
  apiBase?: string | undefined;
  budget: RateBudget;
  timeoutMs?: number;
  onResponse?: (headers: Record<string, unknown>) => void;
  onSend?: () => void;
  onAnswered?: (ms: number) => void;
}): { sdk: Stripe; close: () => void } {
  const base = parseApiBase(options.apiBase);
  const agent = base?.protocol === 'http' ? new Agent({ keepAlive: true }) : new HttpsAgent({ keepAlive: true });
  const inner = Stripe.createNodeHttpClient(agent);
  const httpClient = new GuardedHttpClient(
    inner,
    options.budget,
    options.onResponse ?? (() => undefined),
    options.onSend ?? (() => undefined),
    options.onAnswered ?? (() => undefined),
  );
  const sdk = new Stripe(options.apiKey, {
    apiVersion: Stripe.API_VERSION,
    maxNetworkRetries: 0,
    telemetry: false,
    timeout: options.timeoutMs ?? 60_000,
    httpClient,
    ...(base ? { host: base.host, port: base.port, protocol: base.protocol } : {}),
  });
  return { sdk, close: () => agent.destroy() };
}

function readApi(sdk: Stripe): StripeReadApi {
  // Each resource method is bound and re-typed to the loose object shape we
  // store; nothing but these reads is exposed.
  const lr = (resource: { list: unknown; retrieve: unknown }): ListAndRetrieve => ({
    list: (resource.list as (p: ListParams) => Promise<StripeList>).bind(resource),
    retrieve: (resource.retrieve as (id: string, p: ListParams) => Promise<StripeObject>).bind(resource),
  });
  return {
    account: { retrieve: (params) => sdk.accounts.retrieveCurrent(params) as unknown as Promise<StripeObject> },
    customers: lr(sdk.customers),
    products: lr(sdk.products),
    prices: lr(sdk.prices),
    coupons: lr(sdk.coupons),
    subscriptions: lr(sdk.subscriptions),
    subscriptionItems: { list: (params) => sdk.subscriptionItems.list(params) as unknown as Promise<StripeList> },
    invoices: {
      ...lr(sdk.invoices),
      listLineItems: (invoiceId, params) => sdk.invoices.listLineItems(invoiceId, params) as unknown as Promise<StripeList>,
    },
    invoiceItems: lr(sdk.invoiceItems),
    charges: lr(sdk.charges),
    refunds: lr(sdk.refunds),
    disputes: lr(sdk.disputes),
    balanceTransactions: lr(sdk.balanceTransactions),
    creditNotes: lr(sdk.creditNotes),
    paymentMethods: { retrieve: (id, params) => sdk.paymentMethods.retrieve(id, params) as unknown as Promise<StripeObject> },
    events: lr(sdk.events),
  };
}

/**
 * The extractor's view of Stripe: read calls with our retries, the shared
 * rate budget, the server's clock, and error messages free of the key.
 */
export class StripeReader {
  readonly stats: ClientStats = { requests: 0, retries: 0, rateLimited: 0, serverErrors: 0, networkErrors: 0 };
  private readonly api: StripeReadApi;
  private readonly closeSdk: () => void;
  private readonly retryPolicy: RetryPolicy;
  /**
   * The latest server time seen in a Date header, epoch seconds. The demo
   * server's clock is not the machine's (and may stand still), so it is never
   * extrapolated with the local clock: a cursor taken from it is never ahead
   * of the server.
   */
  private latestServerSecond: number | undefined;

  constructor(private readonly options: StripeClientOptions) {
    const { sdk, close } = createReadOnlySdk({
      apiKey: options.apiKey,
      apiBase: options.apiBase,
      budget: options.budget,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      onSend: () => {
        this.stats.requests++;
      },
      ...(options.onRequestTime ? { onAnswered: options.onRequestTime } : {}),
      onResponse: (headers) => this.readClock(headers),
    });
    this.api = readApi(sdk);
    this.closeSdk = close;
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  }

  get budget(): RateBudget {
    return this.options.budget;
  }

  /**
   * One read, retried per the policy. `what` names the stream and the object
   * or page, because it is what the user reads when the request keeps failing.
   */
  async read<T>(what: string, call: (api: StripeReadApi) => Promise<T>): Promise<T> {
    return withRetry(
      async () => {
        try {
          return await call(this.api);
        } catch (error) {
          // The SDK wraps a refusal from our HTTP layer as a connection error: unwrap it so it is never retried.
          const detail = (error as { detail?: unknown }).detail;
          if (detail instanceof NonGetRequestRefused) throw detail;
          throw error;
        }
      },
      {
        what,
        policy: this.retryPolicy,
        secrets: [this.options.apiKey],
        onRetry: (failure) => {
          this.stats.retries++;
          if (failure.status === 429) this.stats.rateLimited++;
          else if (failure.status === undefined) this.stats.networkErrors++;
          else if (failure.status >= 500) this.stats.serverErrors++;
        },
      },
    );
  }

  /**
   * A list read whose page comes back as object texts (see listText.ts):
   * for reads that store what they list without looking inside.
   */
  async readListText(what: string, wanted: WantedFields, call: (api: StripeReadApi) => Promise<StripeList>): Promise<ListPageText> {
    const page = await this.read(what, (api) => listTextScope.run(wanted, () => call(api)));
    // A body that was not a list object came back parsed: say so rather than store it wrongly.
    if (!Array.isArray(page.data) || page.data.some((object) => !(object instanceof ObjectText))) {
      throw new Error(`${what}: the answer was not a list of objects.`);
    }
    return page as unknown as ListPageText;
  }

  /** Server time as of the latest answer, epoch seconds; the local clock until the first answer arrives. */
  serverNow(): number {
    return this.latestServerSecond ?? Math.floor(Date.now() / 1000);
  }

  redact(text: string): string {
    return redactSecrets(text, this.options.apiKey);
  }

  close(): void {
    this.closeSdk();
  }

  private readClock(headers: Record<string, unknown>): void {
    const date = headers['date'];
    const value = Array.isArray(date) ? date[0] : date;
    if (typeof value !== 'string') return;
    const serverMs = Date.parse(value);
    if (Number.isNaN(serverMs)) return;
    const second = Math.floor(serverMs / 1000);
    this.latestServerSecond = Math.max(this.latestServerSecond ?? second, second);
  }
}
