/**
 * `npm run bench:extract`: a full read (backfill) of a 10,000-customer demo
 * account served with a 100 requests/s limit and 50 ms added to every answer.
 *
 * The demo server runs in a child process (this file again, with --serve) so
 * that its account and its CPU are not counted against the extractor: the
 * peak RSS reported is the extractor's own process.
 *
 * Ideal time = the pages a perfect extractor needs / the rate limit, where
 * pages = 1 (account)
 *       + sum over listed streams of max(1, ceil(objects / 100))
 *       + sum over invoices with more than 10 lines of ceil(lines / 100)
 *       + sum over subscriptions with more than 10 items of ceil(items / 100)
 *       + 1 per deleted customer that other objects name (retrieved by id).
 * Ratio to ideal = ideal time / measured time (1.0 is perfect).
 *
 * The server renders the account's list objects before the clock starts (on
 * 2 shared cores, rendering on each request made the bench measure the demo
 * server as much as the extractor); --no-prerender serves as tests do.
 *
 * Options: --customers N (10000), --rate-limit N (100), --latency MS (50), --seed N (42), --no-prerender, --json.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface BenchOptions {
  /** The server renders the account before the run (the default; --no-prerender renders on each request). */
  prerender: boolean;
  customers: number;
  rateLimit: number;
  latencyMs: number;
  seed: number;
  json: boolean;
}

interface ServerReady {
  type: 'ready';
  url: string;
  generationSeconds: number;
  prerenderSeconds: number;
  counts: Record<string, number>;
  ideal: { pages: number; listPages: number; subListPages: number; deletedCustomers: number; objects: number };
}

interface ServerStatsMessage {
  type: 'stats';
  /** Requests answered in each second from the first request on: where the run falls short of the rate limit. */
  perSecond: number[];
  /** CPU seconds the demo server process spent (user + system) since it began serving. */
  cpuSeconds: number;
  total: number;
  byMethod: Record<string, number>;
  rateLimited: number;
  serverErrors: number;
}

/** The streams a full read lists (payment methods come embedded in customers and subscriptions). */
const LISTED = ['customers', 'products', 'prices', 'coupons', 'subscriptions', 'invoices', 'invoiceitems', 'charges', 'refunds', 'disputes', 'balance_transactions', 'credit_notes', 'events'];
const PAGE = 100;

function parseOptions(argv: readonly string[]): BenchOptions {
  const value = (name: string, fallback: number): number => {
    const at = argv.indexOf(name);
    if (at < 0) return fallback;
    const parsed = Number(argv[at + 1]);
    if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`${name} needs a number`);
    return parsed;
  };
  return { prerender: !argv.includes('--no-prerender'), customers: value('--customers', 10_000), rateLimit: value('--rate-limit', 100), latencyMs: value('--latency', 50), seed: value('--seed', 42), json: argv.includes('--json') };
}

/** The child: generates the account, works out the ideal page count from it, serves it. */
async function serve(options: BenchOptions): Promise<void> {
  const { generateDemoAccount } = await import('../../demo/generate/generateDemoAccount.js');
  const { startDemoServer } = await import('../../demo/server/startDemoServer.js');
  const started = performance.now();
  const account = generateDemoAccount({ customers: options.customers, seed: options.seed, now: '2026-06-15T12:00:00Z' });
  const generationSeconds = (performance.now() - started) / 1000;
  const counts = account.counts();
  let listPages = 1;
  let objects = 0;
  for (const stream of LISTED) {
    listPages += Math.max(1, Math.ceil((counts[stream] ?? 0) / PAGE));
    objects += counts[stream] ?? 0;
  }
  let subListPages = 0;
  const lineCount = account.store.invoices.c.lineCount;
  for (let i = 0; i < account.store.invoices.length; i++) if (lineCount[i]! > 10) subListPages += Math.ceil(lineCount[i]! / PAGE);
  for (const subscription of account.objects('subscriptions') as Array<{ items: { has_more: boolean; data: unknown[] }; id: string }>) {
    if (!subscription.items.has_more) continue;
    const items = account.store.subscriptions[account.store.lookup('subscription', subscription.id)!]!.s.items.length;
    subListPages += Math.ceil(items / PAGE);
  }
  const listed = new Set(account.ids('customers'));
  const named = new Set<string>();
  for (const stream of ['subscriptions', 'invoices', 'charges', 'invoiceitems', 'credit_notes']) {
    for (const object of account.objects(stream) as Array<{ customer?: unknown }>) if (typeof object.customer === 'string' && !listed.has(object.customer)) named.add(object.customer);
  }
  // The server renders every listed object once, before the clock starts, for the lists the extractor
  // makes (its expansions and filters): on 2 shared cores it then spends its CPU sending bytes, as Stripe's
  // servers would spend none of ours. Its CPU during the run is reported.
  const { streams, listExpand } = await import('../../extract/stripe/streams.js');
  const prerender = streams
    .filter((definition) => LISTED.includes(definition.name))
    .map((definition) => {
      const query = new URLSearchParams({ limit: '100', ...(definition.listParams as Record<string, string> | undefined) });
      for (const path of listExpand(definition)) query.append('expand[]', path);
      return `/v1/${definition.name}?${query.toString()}`;
    });
  const prerenderStarted = performance.now();
  const server = await startDemoServer({ account, rateLimit: options.rateLimit, latencyMs: options.latencyMs, ...(options.prerender ? { prerender } : {}) });
  const prerenderSeconds = (performance.now() - prerenderStarted) / 1000;
  const cpuAtStart = process.cpuUsage();
  const totals: number[] = [];
  setInterval(() => totals.push(server.stats.total), 1000).unref();
  const ready: ServerReady = {
    type: 'ready',
    url: server.url,
    generationSeconds,
    prerenderSeconds,
    counts,
    ideal: { pages: listPages + subListPages + named.size, listPages, subListPages, deletedCustomers: named.size, objects },
  };
  process.send!(ready);
  process.on('message', async (message: { type: string }) => {
    if (message.type === 'stats') {
      const cpu = process.cpuUsage(cpuAtStart);
      const first = totals.findIndex((total) => total > 0);
      const perSecond = first < 0 ? [] : [...totals.slice(first), server.stats.total].map((total, i, all) => total - (i === 0 ? 0 : all[i - 1]!));
      const stats: ServerStatsMessage = { type: 'stats', perSecond, cpuSeconds: (cpu.user + cpu.system) / 1e6, total: server.stats.total, byMethod: server.stats.byMethod, rateLimited: server.stats.rateLimited, serverErrors: server.stats.serverErrors };
      process.send!(stats);
    } else if (message.type === 'stop') {
      await server.close();
      process.exit(0);
    }
  });
}

function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message as T);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`the demo server process exited (${code})`)));
  });
}

function peakRssMb(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  const match = /VmHWM:\s+(\d+)\s+kB/.exec(status);
  return match ? Number(match[1]) / 1024 : process.memoryUsage().rss / 1024 / 1024;
}

async function bench(options: BenchOptions): Promise<void> {
  const { Warehouse } = await import('../../warehouse/warehouse.js');
  const { extractStripe } = await import('../../extract/stripe/extractStripe.js');
  const { EXTRACT_WAREHOUSE_OPTIONS } = await import('../../extract/stripe/bulkSettings.js');
  // The child gets this process's node flags (--import tsx, and --cpu-prof when profiling the bench).
  const child = fork(fileURLToPath(import.meta.url), ['--serve', ...process.argv.slice(2)], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-extract-'));
  try {
    if (!options.json) process.stdout.write(`Generating a ${options.customers.toLocaleString('en-US')}-customer demo account and serving it at ${options.rateLimit} requests/s with ${options.latencyMs} ms latency...\n`);
    const ready = await nextMessage<ServerReady>(child, 'ready');
    const path = join(dir, 'bench.duckdb');
    // Opened as `tributary extract stripe` opens it.
    const warehouse = await Warehouse.open({ path, ...EXTRACT_WAREHOUSE_OPTIONS });
    const started = performance.now();
    const cpuAtStart = process.cpuUsage();
    // Peak JS heap besides the peak RSS: tells the extractor's own objects apart from DuckDB's memory.
    let peakHeap = 0;
    const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 100);
    let summary;
    let stored = 0;
    try {
      summary = await extractStripe({ warehouse, apiKey: 'sk_test_bench', apiBase: ready.url, rate: options.rateLimit });
      // Rows in the raw tables, counted there: the summary's new + updated counts an object two streams embed twice.
      for (const { name } of await warehouse.all<{ name: string }>(`select table_name as name from information_schema.tables where table_schema = 'raw_stripe'`)) {
        stored += (await warehouse.one<{ n: number }>(`select count(*) as n from raw_stripe."${name}"`))!.n;
      }
    } finally {
      clearInterval(sampler);
      await warehouse.close();
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuAtStart);
    const extractorCpuSeconds = (cpu.user + cpu.system) / 1e6;
    child.send({ type: 'stats' });
    const stats = await nextMessage<ServerStatsMessage>(child, 'stats');
    const idealSeconds = ready.ideal.pages / options.rateLimit;
    const fileMb = (statSync(path).size + (existsSync(`${path}.wal`) ? statSync(`${path}.wal`).size : 0)) / 1024 / 1024;
    const result = {
      customers: options.customers,
      objectsInAccount: ready.ideal.objects,
      objectsStored: stored,
      seconds: round(seconds, 1),
      objectsPerSecond: Math.round(stored / seconds),
      idealPages: ready.ideal.pages,
      idealPagesDetail: ready.ideal,
      idealSeconds: round(idealSeconds, 1),
      ratioToIdeal: round(idealSeconds / seconds, 3),
      requests: summary.requests,
      serverRequests: stats.total,
      serverMethods: stats.byMethod,
      rateLimited429: stats.rateLimited,
      retries: summary.retries,
      extractorCpuSeconds: round(extractorCpuSeconds, 1),
      commits: summary.timings.commits,
      commitSeconds: round(summary.timings.commitSeconds, 1),
      mergeSeconds: round(summary.timings.mergeSeconds, 1),
      windowSplits: summary.timings.windowSplits,
      serverCpuSeconds: round(stats.cpuSeconds, 1),
      requestsPerSecond: stats.perSecond,
      peakRssMb: Math.round(peakRssMb()),
      peakHeapMb: Math.round(peakHeap / 1024 / 1024),
      warehouseMb: round(fileMb, 1),
      generationSeconds: round(ready.generationSeconds, 1),
      prerender: options.prerender,
      prerenderSeconds: round(ready.prerenderSeconds, 1),
      notices: summary.notices,
    };
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(22)} ${value}\n`);
      line('account', `${options.customers.toLocaleString('en-US')} customers, ${ready.ideal.objects.toLocaleString('en-US')} listed objects (+ ${ready.counts['payment_methods']} payment methods in the account)`);
      line('stored', `${stored.toLocaleString('en-US')} rows in raw_stripe, warehouse file ${result.warehouseMb} MB`);
      line('time', `${result.seconds} s`);
      line('objects/s', `${result.objectsPerSecond.toLocaleString('en-US')}`);
      line('ideal', `${ready.ideal.pages} pages (${ready.ideal.listPages} list + ${ready.ideal.subListPages} sub-list + ${ready.ideal.deletedCustomers} deleted customers) / ${options.rateLimit} per s = ${result.idealSeconds} s`);
      line('', 'ideal pages = 1 account + sum over listed streams of max(1, ceil(objects/100)) + ceil(lines/100) per invoice over 10 lines');
      line('', '  + ceil(items/100) per subscription over 10 items + 1 per deleted customer other objects name');
      line('ratio to ideal', `${(result.ratioToIdeal * 100).toFixed(1)}% (target >= 80%)`);
      line('requests', `${result.requests} sent, ${stats.total} answered by the server (${Object.entries(stats.byMethod).map(([m, n]) => `${m} ${n}`).join(', ')}), ${stats.rateLimited} answered 429, ${summary.retries} retried`);
      line('warehouse writes', `${result.commits} commits of staged pages taking ${result.commitSeconds} s, stream merges ${result.mergeSeconds} s, ${result.windowSplits} windows split`);
      line('CPU', `extractor ${result.extractorCpuSeconds} s, demo server ${result.serverCpuSeconds} s (${options.prerender ? `objects rendered before the run, in ${result.prerenderSeconds} s` : 'rendering on each request'}; ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)} at the end)`);
      line('requests/s', `${stats.perSecond.join(' ')} (each second from the first request; the limit is ${options.rateLimit})`);
      line('peak RSS', `${result.peakRssMb} MB (target < 300 MB); peak JS heap ${result.peakHeapMb} MB`);
      // A load or merge retried with more memory (bulkSettings.ts) is said here: it raises the peak.
      for (const notice of summary.notices) line('notice', notice);
    }
  } finally {
    child.send({ type: 'stop' });
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

const options = parseOptions(process.argv.slice(2));
if (process.argv.includes('--serve')) await serve(options);
else await bench(options);
