import { InvalidArgumentError, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadSettings } from '../../config/settings.js';
import { UsageError } from '../../errors/index.js';
import { EXTRACT_WAREHOUSE_OPTIONS } from '../../extract/stripe/bulkSettings.js';
import type { ExtractProgress, ExtractSummary, ProgressListener } from '../../extract/stripe/progress.js';
import { defaultRateForKey } from '../../extract/stripe/rateBudget.js';
import { streamNames } from '../../extract/stripe/streams.js';
import { openForWriting } from '../writerWarehouse.js';
import { isInteractive, renderTable } from '../output.js';

const HELP = `
What it does:
  Loads the Stripe objects the reports need into raw_stripe.<stream> in the warehouse,
  one row per object, as Stripe returns it. Streams:
${wrap(streamNames.join(', '), 84, '    ')}

  The first run (a backfill) reads the whole account. After that a run is incremental:
  it reads the events since the last run and refetches only the objects they name, so
  it costs requests in proportion to what changed, not to the account's size. If the
  last run is older than 29 days (Stripe keeps events for 30), the affected streams are
  read in full again, and the run says so.

  --full re-reads everything: about one request per 100 objects plus one per invoice
  with more than 10 lines or subscription with more than 10 items, at the rate limit
  (20 requests/s with a test key, 80/s with a live key): a 10,000-customer account
  takes minutes. Objects that vanished from Stripe are marked deleted, never dropped.

  A run that dies (Ctrl-C, kill -9, a network outage) is continued by the next one:
  nothing is lost and nothing is loaded twice.

Settings (environment or .env):
  STRIPE_API_KEY         the key to read with. A restricted key with read-only access is
                         recommended: the extractor only ever sends GET requests.
  STRIPE_API_BASE        another Stripe-compatible server, e.g. http://127.0.0.1:12111
  TRIBUTARY_DB           the warehouse file (default data/warehouse.duckdb)
  TRIBUTARY_STRIPE_RATE  requests per second when --rate is not given

Examples:
  $ tributary extract stripe                     sync what changed since the last run
  $ tributary extract stripe --full              re-read the whole account
  $ tributary extract stripe --stream invoices --stream customers
`;

function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width - indent.length) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

export function registerExtract(program: Command): void {
  const extract = program.command('extract').description('Load source data into the raw tables of the warehouse.');
  extract
    .command('stripe')
    .description('Load Stripe objects into raw_stripe: incremental by default, resumable, read-only.')
    .option('--full', 're-read every object instead of only what changed since the last run')
    .option('--rate <n>', 'requests per second (default: 20 with a test key, 80 with a live key)', parseRate)
    .option('--stream <name...>', `only these streams (${streamNames.join(', ')})`)
    .addHelpText('after', HELP)
    .action(async (options: { full?: boolean; rate?: number; stream?: string[] }) => {
      const settings = loadSettings();
      if (!settings.STRIPE_API_KEY) {
        throw new UsageError('No Stripe key is set: set STRIPE_API_KEY (a restricted read-only key is recommended), or run `tributary refresh --demo` to load the built-in demo account instead.');
      }
      const apiKey = settings.STRIPE_API_KEY;
      const rate = options.rate ?? settings.TRIBUTARY_STRIPE_RATE ?? defaultRateForKey(apiKey);
      const warehouse = await openForWriting('extract stripe', { path: settings.TRIBUTARY_DB, ...EXTRACT_WAREHOUSE_OPTIONS });
      const display = isInteractive() ? new ProgressBars() : new ProgressLines();
      let summary: ExtractSummary;
      try {
        const { extractStripe } = await import('../../extract/stripe/extractStripe.js');
        summary = await extractStripe({
          warehouse,
          apiKey,
          apiBase: settings.STRIPE_API_BASE,
          full: Boolean(options.full),
          rate,
          streams: options.stream,
          onProgress: display.listener,
        });
      } finally {
        display.stop();
        await warehouse.close();
      }
      process.stdout.write(`${renderSummary(summary)}\n`);
    });
}

function parseRate(value: string): number {
  const rate = Number(value);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 1000) throw new InvalidArgumentError('--rate must be a number of requests per second from 0.1 to 1000.');
  return rate;
}

export function renderSummary(summary: ExtractSummary): string {
  const table = renderTable(
    ['stream', 'mode', 'new', 'updated', 'deleted', 'seconds'],
    summary.streams.map((s) => [s.stream, s.mode, s.new, s.updated, s.deleted, s.seconds.toFixed(1)]),
    { alignRight: [2, 3, 4, 5] },
  );
  const retried = summary.retries > 0 ? ` (${summary.retries} retried)` : '';
  return `${table}\n${summary.requests} requests${retried} in ${summary.seconds.toFixed(1)} s.`;
}

interface ProgressDisplay {
  readonly listener: ProgressListener;
  stop(): void;
}

/** Plain lines for logs and pipes: one at each stream's start and end, and at most one per stream every few seconds between. */
class ProgressLines implements ProgressDisplay {
  private readonly lastLine = new Map<string, number>();
  private readonly started = new Map<string, number>();
  private readonly intervalMs = 5000;

  readonly listener = (event: ExtractProgress): void => {
    const now = Date.now();
    switch (event.type) {
      case 'notice':
        this.write(`note: ${event.message}`);
        return;
      case 'stream_started':
        this.started.set(event.stream, now);
        this.lastLine.set(event.stream, now);
        this.write(`${event.stream}: ${describeMode(event.mode)}${event.windows ? ` (${event.windows} ${event.windows === 1 ? 'window' : 'windows'})` : ''}`);
        return;
      case 'stream_progress': {
        if (now - (this.lastLine.get(event.stream) ?? 0) < this.intervalMs) return;
        this.lastLine.set(event.stream, now);
        const seconds = Math.max(0.001, (now - (this.started.get(event.stream) ?? now)) / 1000);
        const windows = event.windows ? `, ${event.windowsDone}/${event.windows} windows` : '';
        this.write(`${event.stream}: ${event.objects} objects, ${event.pages} pages${windows}, ${Math.round(event.objects / seconds)} objects/s`);
        return;
      }
      case 'stream_finished':
        this.write(`${event.stream}: done, ${event.counts.new} new, ${event.counts.updated} updated, ${event.counts.deleted} deleted in ${event.seconds.toFixed(1)} s`);
        return;
    }
  };

  stop(): void {}

  private write(line: string): void {
    process.stdout.write(`${line}\n`);
  }
}

/** One bar per stream on a terminal; the bar is windows finished during a backfill. */
class ProgressBars implements ProgressDisplay {
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private readonly started = new Map<string, number>();
  private readonly multi = new cliProgress.MultiBar(
    {
      // Kept under 80 columns: a wrapped bar redraws as garbage.
      format: '{stream} {bar} {objects} obj {pages} pg {rate}/s {status}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barsize: 12,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );

  readonly listener = (event: ExtractProgress): void => {
    if (event.type === 'notice') {
      this.multi.log(`note: ${event.message}\n`);
      return;
    }
    const bar = this.barFor(event.stream);
    if (event.type === 'stream_started') {
      this.started.set(event.stream, Date.now());
      bar.update(0, { status: event.mode });
      if (event.windows) bar.setTotal(event.windows);
    } else if (event.type === 'stream_progress') {
      const seconds = Math.max(0.001, (Date.now() - (this.started.get(event.stream) ?? Date.now())) / 1000);
      if (event.windows) bar.setTotal(event.windows);
      bar.update(event.windowsDone ?? 0, { objects: event.objects, pages: event.pages, rate: Math.round(event.objects / seconds) });
    } else {
      bar.setTotal(1);
      bar.update(1, { objects: event.objects, pages: event.pages, status: `+${event.counts.new} ~${event.counts.updated} -${event.counts.deleted}` });
    }
  };

  stop(): void {
    this.multi.stop();
  }

  private barFor(stream: string): cliProgress.SingleBar {
    let bar = this.bars.get(stream);
    if (!bar) {
      bar = this.multi.create(1, 0, { stream: stream.padEnd(20), objects: 0, pages: 0, rate: 0, status: '' });
      this.bars.set(stream, bar);
    }
    return bar;
  }
}

function describeMode(mode: string): string {
  if (mode === 'backfill') return 'reading in full';
  if (mode === 'resume') return 'resuming an unfinished full read';
  return 'reading changes since the last run';
}
