import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WorkError } from '../errors/index.js';

/**
 * A small static file server for the built reports (Evidence's own preview
 * needs the `serve` package). It answers GET and HEAD, byte ranges (DuckDB in
 * the browser reads parquet files in ranges), and maps `/page/` to
 * `/page/index.html` the way SvelteKit's static adapter writes pages.
 *
 * `createSiteHandler` is the request handler alone, for a server that also
 * answers other routes (`tributary serve`); `startSiteServer` is a server.
 */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.parquet': 'application/vnd.apache.parquet',
  '.arrow': 'application/vnd.apache.arrow.file',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export type SiteHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface SiteHandlerOptions {
  /** Said on every answer while the site has not been built. */
  readonly notBuiltMessage?: string;
}

export function createSiteHandler(siteDir: string, options: SiteHandlerOptions = {}): SiteHandler {
  return (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
      return;
    }
    if (!existsSync(join(siteDir, 'index.html'))) {
      response
        .writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '60' })
        .end(`${options.notBuiltMessage ?? 'The reports have not been built yet: run `tributary reports build`.'}\n`);
      return;
    }
    const file = resolveFile(siteDir, request.url ?? '/');
    if (file.kind === 'redirect') {
      response.writeHead(308, { Location: file.location }).end();
      return;
    }
    if (file.kind === 'missing') {
      const notFound = join(siteDir, '404.html');
      if (existsSync(notFound)) sendFile(request, response, notFound, 404);
      else response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    sendFile(request, response, file.path, 200);
  };
}

type Resolved = { kind: 'file'; path: string } | { kind: 'redirect'; location: string } | { kind: 'missing' };

function resolveFile(root: string, url: string): Resolved {
  const [rawPath = '/', query] = url.split('?', 2);
  let pathname: string;
  try {
    pathname = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'missing' };
  }
  if (pathname.includes('\0')) return { kind: 'missing' };
  const relative = normalize(pathname).replace(/^([/\\])+/, '');
  if (relative.split(sep).includes('..')) return { kind: 'missing' };
  const candidate = join(root, relative);
  if (candidate !== root && !candidate.startsWith(root.endsWith(sep) ? root : root + sep)) return { kind: 'missing' };
  const stats = statOrNull(candidate);
  if (stats?.isFile()) return { kind: 'file', path: candidate };
  if (stats?.isDirectory()) {
    // Pages live at /page/index.html and link to /page/; send /page there so relative links resolve.
    if (!rawPath.endsWith('/')) return { kind: 'redirect', location: `${rawPath}/${query === undefined ? '' : `?${query}`}` };
    const index = join(candidate, 'index.html');
    if (statOrNull(index)?.isFile()) return { kind: 'file', path: index };
    return { kind: 'missing' };
  }
  const html = `${candidate}.html`;
  if (statOrNull(html)?.isFile()) return { kind: 'file', path: html };
  return { kind: 'missing' };
}

function sendFile(request: IncomingMessage, response: ServerResponse, path: string, status: number): void {
  const size = statSync(path).size;
  const headers: Record<string, string | number> = {
    'Content-Type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    // Hashed assets never change; everything else is rebuilt in place.
    'Cache-Control': path.includes(`${sep}_app${sep}immutable${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  };
  const range = status === 200 ? parseRange(request.headers.range, size) : null;
  if (range === 'invalid') {
    response.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
    return;
  }
  const start = range ? range.start : 0;
  const end = range ? range.end : size - 1;
  headers['Content-Length'] = size === 0 ? 0 : end - start + 1;
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  response.writeHead(range ? 206 : status, headers);
  if (request.method === 'HEAD' || size === 0) {
    response.end();
    return;
  }
  const stream = createReadStream(path, { start, end });
  stream.on('error', () => response.destroy());
  stream.pipe(response);
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Multiple ranges are legal but unused by browsers here; answer the whole file.
  if (!match) return null;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return 'invalid';
  let start: number;
  let end: number;
  if (from === '') {
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}

function statOrNull(path: string): ReturnType<typeof statSync> | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

export interface SiteServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

export interface SiteServerOptions {
  readonly siteDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
}

export async function startSiteServer(options: SiteServerOptions): Promise<SiteServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer(createSiteHandler(options.siteDir));
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EADDRINUSE'
          ? new WorkError(`Port ${options.port} on ${host} is already in use: pass another with --port or set TRIBUTARY_PORT.`)
          : new WorkError(`Cannot serve the reports on ${host}:${options.port}: ${error.message}`),
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
