import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { WorkError } from '../errors/index.js';
import { createSiteHandler } from '../reports/serveSite.js';
import { sendJson } from './respond.js';

/**
 * serve's HTTP side on 127.0.0.1: the webhook endpoint, `/healthz`, and the
 * built reports (the reports engineer's static site handler) for every other
 * path. One log line per request, written when the answer is done.
 */
export interface HttpServerOptions {
  readonly port: number;
  readonly host?: string;
  readonly siteDir: string;
  /** What the site answers (503) before the first reports build. */
  readonly notBuiltMessage: string;
  readonly webhook: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  readonly health: () => Record<string, unknown>;
  readonly logger: Logger;
}

export interface ServeHttpServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

export const WEBHOOK_PATH = '/webhooks/stripe';

export async function startHttpServer(options: HttpServerOptions): Promise<ServeHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const site = createSiteHandler(options.siteDir, { notBuiltMessage: options.notBuiltMessage });
  const server = createServer((request, response) => {
    const started = performance.now();
    const path = (request.url ?? '/').split('?')[0]!;
    let logged = false;
    const log = (): void => {
      if (logged) return;
      logged = true;
      const fields = { method: request.method, path, status: response.statusCode, ms: Math.round(performance.now() - started) };
      if (!response.writableFinished) options.logger.info({ ...fields, aborted: true }, 'request');
      else options.logger.info(fields, 'request');
    };
    response.once('finish', log);
    response.once('close', log);
    try {
      if (path === WEBHOOK_PATH) {
        options.webhook(request, response).catch((error: unknown) => {
          options.logger.error({ path, err: describe(error) }, 'webhook handling failed');
          if (!response.headersSent) sendJson(response, 500, { error: 'Internal error.' });
        });
      } else if (path === '/healthz') {
        if (request.method !== 'GET' && request.method !== 'HEAD') sendJson(response, 405, { error: 'Use GET.' }, { Allow: 'GET, HEAD' });
        else sendJson(response, 200, options.health());
      } else {
        site(request, response);
      }
    } catch (error) {
      options.logger.error({ path, err: describe(error) }, 'request failed');
      if (!response.headersSent) sendJson(response, 500, { error: 'Internal error.' });
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EADDRINUSE'
          ? new WorkError(`Port ${options.port} on ${host} is already in use: pass another with --port or set TRIBUTARY_PORT.`)
          : new WorkError(`Cannot listen on ${host}:${options.port}: ${error.message}`),
      );
    };
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
