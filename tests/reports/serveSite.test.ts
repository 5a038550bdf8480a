import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSiteServer, type SiteServer } from '../../reports/serveSite.js';

/** A raw HTTP request, so paths like /../ reach the server unnormalized. */
function get(server: SiteServer, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let root: string;
let site: string;
let server: SiteServer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tributary-site-'));
  site = join(root, 'site');
  mkdirSync(join(site, 'revenue'), { recursive: true });
  mkdirSync(join(site, 'data', 'warehouse'), { recursive: true });
  mkdirSync(join(site, '_app', 'immutable'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<h1>Overview</h1>');
  writeFileSync(join(site, 'revenue', 'index.html'), '<h1>Revenue</h1>');
  writeFileSync(join(site, 'data', 'warehouse', 'customers.parquet'), 'PAR1abcdefghijPAR1');
  writeFileSync(join(site, '_app', 'immutable', 'app.abc123.js'), 'console.log(1)');
  writeFileSync(join(site, 'duckdb.wasm'), '\0asm');
  writeFileSync(join(root, 'secret.txt'), 'not for the browser');
  server = await startSiteServer({ siteDir: site, port: 0 });
});

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the static site server', () => {
  it('listens on 127.0.0.1 and serves the home page', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const home = await get(server, '/');
    expect(home.status).toBe(200);
    expect(home.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(home.body).toBe('<h1>Overview</h1>');
  });

  it('serves /page/ from page/index.html and redirects /page to /page/ keeping the query', async () => {
    expect((await get(server, '/revenue/')).body).toBe('<h1>Revenue</h1>');
    const redirect = await get(server, '/revenue?currency=usd');
    expect(redirect.status).toBe(308);
    expect(redirect.headers['location']).toBe('/revenue/?currency=usd');
    expect((await get(server, '/revenue/?x=1')).body).toBe('<h1>Revenue</h1>');
  });

  it('answers byte ranges, which DuckDB in the browser uses to read parquet', async () => {
    const head = await get(server, '/data/warehouse/customers.parquet', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('18');
    expect(head.headers['accept-ranges']).toBe('bytes');
    expect(head.body).toBe('');

    const middle = await get(server, '/data/warehouse/customers.parquet', { Range: 'bytes=4-9' });
    expect(middle.status).toBe(206);
    expect(middle.headers['content-range']).toBe('bytes 4-9/18');
    expect(middle.body).toBe('abcdef');

    const tail = await get(server, '/data/warehouse/customers.parquet', { Range: 'bytes=-4' });
    expect(tail.status).toBe(206);
    expect(tail.body).toBe('PAR1');

    const open = await get(server, '/data/warehouse/customers.parquet', { Range: 'bytes=14-' });
    expect(open.body).toBe('PAR1');

    const beyond = await get(server, '/data/warehouse/customers.parquet', { Range: 'bytes=100-200' });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe('bytes */18');
  });

  it('gives WebAssembly its own type and lets hashed assets be cached for good', async () => {
    expect((await get(server, '/duckdb.wasm')).headers['content-type']).toBe('application/wasm');
    const asset = await get(server, '/_app/immutable/app.abc123.js');
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await get(server, '/')).headers['cache-control']).toBe('no-cache');
  });

  it('never serves a file outside the site', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/revenue/..%2f..%2fsecret.txt', '/..%5csecret.txt']) {
      const answer = await get(server, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toContain('not for the browser');
    }
    expect((await get(server, '/bad%E0%A4%A')).status).toBe(404);
  });

  it('answers 404 for a missing page and 405 for writes', async () => {
    expect((await get(server, '/no-such-page/')).status).toBe(404);
    expect((await get(server, '/', {}, 'POST')).status).toBe(405);
  });

  it('says what to run while the site has not been built', async () => {
    const empty = await startSiteServer({ siteDir: join(root, 'not-built'), port: 0 });
    try {
      const answer = await get(empty, '/');
      expect(answer.status).toBe(503);
      expect(answer.body).toContain('tributary reports build');
    } finally {
      await empty.close();
    }
  });

  it('refuses a port that is taken, naming the setting to change', async () => {
    await expect(startSiteServer({ siteDir: site, port: server.port })).rejects.toThrow(/already in use.*--port.*TRIBUTARY_PORT/);
  });
});
