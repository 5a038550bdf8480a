import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../../errors/index.js';
import type { DemoAccount } from '../account/account.js';
import { API_VERSION } from '../account/render/events.js';
import { Rng } from '../account/random.js';
import { answerAdmin, type AdminBody } from './admin.js';
import { ApiError, apiError, invalidKey, missingKey, rateLimited, readOnly } from './errors.js';
import { parseQuery } from './query.js';
import { answerGet } from './routes.js';
import { ListText, RenderCache } from './renderCache.js';
import type { AccountView } from '../account/collections.js';

export interface DemoServerOptions {
  account: DemoAccount;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Requests per second answered; beyond it, 429 like Stripe's rate limiter. */
  rateLimit?: number;
  /** Added to every API answer, in milliseconds. */
  latencyMs?: number;
  /** Fraction of API requests answered with an injected 429 or 500 (half each). */
  faultRate?: number;
  faultSeed?: number;
  /**
   * Keep every list object's JSON text once rendered, and render these list
   * requests (path and query, e.g. `/v1/invoices?limit=100`) through every
   * page before serving: for benchmarks, see renderCache.ts.
   */
  prerender?: readonly string[];
}

export interface DemoServerStats {
  total: number;
  byMethod: Record<string, number>;
  /** Requests per route pattern, e.g. `GET /v1/invoices/:id/lines`. */
  byRoute: Record<string, number>;
  byStatus: Record<number, number>;
  /** 429 answers (rate limit and injected). */
  rateLimited: number;
  /** 500 answers (injected). */
  serverErrors: number;
  /** Admin requests (`/_demo/...`), not counted above. */
  admin: number;
  reset(): void;
}

export interface DemoServer {
  url: string;
  port: number;
  account: DemoAccount;
  stats: DemoServerStats;
  close(): Promise<void>;
}

function newStats(): DemoServerStats {
  const stats: DemoServerStats = {
    total: 0,
    byMethod: {},
    byRoute: {},
    byStatus: {},
    rateLimited: 0,
    serverErrors: 0,
    admin: 0,
    reset() {
      stats.total = 0;
      stats.byMethod = {};
      stats.byRoute = {};
      stats.byStatus = {};
      stats.rateLimited = 0;
      stats.serverErrors = 0;
      stats.admin = 0;
    },
  };
  return stats;
}

/** A token bucket holding one second of requests. */
class RateLimiter {
  private tokens: number;
  private last = performance.now();

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** `GET /v1/customers/:id` for `/v1/customers/cus_123`: statistics group requests by endpoint, not by object. */
export function routePattern(method: string, path: string): string {
  const parts = path.split('/').filter(Boolean);
  const pattern = parts.map((part, i) => (i >= 2 && i % 2 === 0 ? ':id' : part));
  return `${method} /${pattern.join('/')}`;
}

const TEST_KEY = /^(sk|rk)_test_[A-Za-z0-9_]+$/;

function apiKeyOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  if (header.startsWith('Bearer ')) return header.slice(7).trim();
  if (header.startsWith('Basic ')) return Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')[0];
  return '';
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1_000_000) reject(new UsageError('The admin request body is over 1 MB.'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Renders a list request's every page into the cache. */
function prerender(view: AccountView, request: string, cache: RenderCache): void {
  const url = new URL(request, 'http://127.0.0.1');
  let startingAfter: string | undefined;
  for (;;) {
    const query = new URLSearchParams(url.search);
    if (startingAfter) query.set('starting_after', startingAfter);
    const { body } = answerGet(view, url.pathname, parseQuery(`?${query.toString()}`), cache);
    if (!(body instanceof ListText) || !body.hasMore || body.texts.length === 0) return;
    startingAfter = (JSON.parse(body.texts[body.texts.length - 1]!.toString('utf8')) as { id: string }).id;
  }
}

/**
 * A Stripe-compatible, read-only HTTP server over a demo account, on
 * 127.0.0.1. Any test key is accepted (and never logged). The `Date` header
 * carries the account clock, not the machine's.
 */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const { account } = options;
  // The account's own listing view: indexes built for counts or earlier servers are reused.
  const view = account.listing();
  const stats = newStats();
  const limiter = options.rateLimit ? new RateLimiter(options.rateLimit) : null;
  const faults = options.faultRate ? new Rng(options.faultSeed ?? 7, 0xfa17) : null;
  const latency = options.latencyMs ?? 0;
  let requestSeq = 0;

  const cache = options.prerender ? new RenderCache(account) : undefined;
  for (const request of options.prerender ?? []) prerender(view, request, cache!);

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const payload = body instanceof ListText ? body.serialize() : JSON.stringify(body);
    response.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': String(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length),
      Date: new Date(account.now * 1000).toUTCString(),
      'Request-Id': `req_${account.store.ids.token(0x4e9, requestSeq++, 14)}`,
      'Stripe-Version': API_VERSION,
      ...headers,
    });
    response.end(payload);
  };

  const handleAdmin = async (request: IncomingMessage, response: ServerResponse, path: string) => {
    stats.admin++;
    try {
      const raw = request.method === 'POST' ? await readBody(request) : '';
      const body = raw ? (JSON.parse(raw) as AdminBody) : {};
      send(response, 200, answerAdmin(account, path.slice('/_demo/'.length), body));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      send(response, error instanceof UsageError || error instanceof SyntaxError ? 400 : 500, { error: { type: 'demo_admin_error', message } });
    }
  };

  const handleApi = async (request: IncomingMessage, response: ServerResponse, path: string, search: string) => {
    const method = request.method ?? 'GET';
    stats.total++;
    stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;
    let route = routePattern(method, path);
    let status = 200;
    let body: unknown;
    let headers: Record<string, string> = {};
    try {
      const key = apiKeyOf(request);
      if (key === undefined) throw missingKey();
      if (!TEST_KEY.test(key)) throw invalidKey();
      if (method !== 'GET') throw readOnly(method, path);
      if (limiter && !limiter.take()) throw rateLimited();
      if (faults && faults.next() < options.faultRate!) throw faults.next() < 0.5 ? rateLimited() : apiError();
      const answer = answerGet(view, path, parseQuery(search), cache);
      route = answer.route;
      body = answer.body;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      status = error.status;
      body = { error: error.body };
      headers = error.headers;
    }
    stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    if (status === 429) stats.rateLimited++;
    if (status >= 500) stats.serverErrors++;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    send(response, status, body, headers);
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const work = url.pathname.startsWith('/_demo/') ? handleAdmin(request, response, url.pathname) : handleApi(request, response, url.pathname, url.search);
    work.catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, { error: { type: 'api_error', message: `The demo server failed: ${error instanceof Error ? error.message : String(error)}` } });
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new UsageError(`The port ${options.port} is already in use; choose another with --port.`) : error);
    });
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    account,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
