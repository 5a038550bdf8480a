import { InvalidArgumentError, type Command } from 'commander';
import { loadSettings, type Settings } from '../../config/settings.js';
import { UsageError } from '../../errors/index.js';
import type { ExtractProgress } from '../../extract/stripe/progress.js';
import type { BuildStep } from '../../reports/buildReports.js';
import type { RefreshResult, RefreshStepEvent, StepRecord } from '../../refresh/runRefresh.js';
import { DEMO_CUSTOMERS, DEMO_SEED, startDemoSource, stripeSource, type DemoSource, type StripeSource } from '../../refresh/source.js';
import { reportsPathsFor } from '../../reports/paths.js';
import { publishedPathFor } from '../../warehouse/publish.js';
import { DEFAULT_LOCK_WAIT_MS, openWarehouseForWriting, type LockHolder } from '../../warehouse/writerLock.js';
import { printTestResult, printWarning, runtimeVarsFrom } from './build.js';

const HELP = `
What it does:
  1. extract  Stripe objects into raw_stripe: only what changed since the last run
              (the first run reads the whole account)
  2. build    every model and data test in one transaction; a failure rolls it all back
  3. publish  the marts and meta to <TRIBUTARY_DB without .duckdb>.published.duckdb,
              which tributary query and the reports read
  4. reports  the Evidence site beside it (e.g. data/warehouse.reports/), rebuilt from
              the new copy: Evidence prerenders every page, about two minutes

  One run id ties the steps together: meta.runs (command 'refresh') and meta.refresh_steps
  (per step: seconds, counts, the step's own run id, the error). If a step fails, the
  refresh stops, the error names the step ("refresh failed at build: ..."), and readers
  keep the published copy and the site of the last good run.

  Only one process writes the warehouse at a time. A refresh waits up to --wait seconds
  for another writer (an import, serve's refresh, ...), then gives up naming it.

  --demo loads the built-in demo account instead of yours: a realistic generated SaaS
  account served in-process by the Stripe-compatible demo server, no key needed. It is
  read in full each time (it is generated again, relative to now). A warehouse holds one
  account: refreshing the demo account into a warehouse of real data is refused.

Settings (environment or .env):
  STRIPE_API_KEY         the key to read with (a restricted read-only key is recommended)
  STRIPE_API_BASE        another Stripe-compatible server, e.g. http://127.0.0.1:12111
  TRIBUTARY_DB           the warehouse file (default data/warehouse.duckdb)
  TRIBUTARY_NOW, TRIBUTARY_REPORTING_CURRENCY, TRIBUTARY_TZ   as for tributary build

Examples:
  $ tributary refresh --demo                 try it without a Stripe account
  $ tributary refresh                        refresh from STRIPE_API_KEY's account
  $ tributary refresh --no-reports           marts only; the site is left as it is
  $ tributary refresh --full --wait 600      re-read everything, wait up to 10 minutes for the lock
`;

interface RefreshFlags {
  demo?: boolean;
  demoCustomers: number;
  full?: boolean;
  reports: boolean;
  wait: number;
}

export function registerRefresh(program: Command): void {
  program
    .command('refresh')
    .description('Extract, build and test, publish, then rebuild the reports: the whole pipeline, as one run.')
    .option('--demo', 'refresh from the built-in demo account (no Stripe key needed)')
    .option('--demo-customers <n>', 'customers in the generated demo account', wholeNumber('--demo-customers', 10, 200_000), DEMO_CUSTOMERS)
    .option('--full', 're-read every Stripe object instead of only what changed')
    .option('--no-reports', 'do not rebuild the reports site (the marts and tributary query are still refreshed)')
    .option('--wait <seconds>', 'how long to wait for another writer to finish', wholeNumber('--wait', 0, 86_400), DEFAULT_LOCK_WAIT_MS / 1000)
    .addHelpText('after', HELP)
    .action(async (flags: RefreshFlags) => {
      const settings = loadSettings();
      if (!flags.demo && !settings.STRIPE_API_KEY) {
        throw new UsageError(
          'No Stripe key is set: set STRIPE_API_KEY (a restricted read-only key is recommended) to refresh from your account, or run `tributary refresh --demo` to load the built-in demo account.',
        );
      }
      const controller = new AbortController();
      let inReports = false;
      const interrupt = (): void => {
        // Evidence runs in its own process group: stop it through the reports step, which then fails cleanly.
        if (inReports) controller.abort();
        else {
          process.stderr.write('\ninterrupted: the build (if any) rolls back; the next refresh continues the extract where this one stopped.\n');
          process.exit(130);
        }
      };
      process.on('SIGINT', interrupt);
      process.on('SIGTERM', interrupt);
      const warehouse = await openWarehouseForWriting({
        warehouse: { path: settings.TRIBUTARY_DB },
        command: flags.demo ? 'refresh --demo' : 'refresh',
        waitMs: flags.wait * 1000,
        onWait: (holder) => say(describeWait(holder, flags.wait)),
      });
      let source: StripeSource | undefined;
      try {
        source = await openSource(settings, { demo: Boolean(flags.demo), customers: flags.demoCustomers });
        const { runRefresh } = await import('../../refresh/runRefresh.js');
        const result = await runRefresh({
          warehouse,
          source,
          projectDir: process.cwd(),
          vars: runtimeVarsFrom(settings),
          trigger: 'manual',
          ...(flags.full ? { full: true } : {}),
          reports: flags.reports ? { reportingCurrency: settings.TRIBUTARY_REPORTING_CURRENCY, signal: controller.signal, onStep: describeReportsStep } : false,
          onStep: (event) => {
            inReports = event.type === 'started' && event.step === 'reports';
            printStep(event, settings);
          },
          onExtractProgress: extractProgressPrinter(),
          onTest: (test) => {
            if (test.status !== 'pass') printTestResult(test);
          },
          onWarning: printWarning,
        });
        say(summary(result, settings, flags.reports));
      } finally {
        process.off('SIGINT', interrupt);
        process.off('SIGTERM', interrupt);
        await warehouse.close();
        if (source && 'close' in source) await (source as DemoSource).close();
      }
    });
}

/** The source of the refresh: STRIPE_API_KEY's account, or the demo account (announced as such). */
export async function openSource(settings: Settings, options: { demo: boolean; customers: number }): Promise<StripeSource> {
  if (!options.demo) {
    return stripeSource({ apiKey: settings.STRIPE_API_KEY!, apiBase: settings.STRIPE_API_BASE, rate: settings.TRIBUTARY_STRIPE_RATE });
  }
  say(
    `Using the built-in DEMO account: ${options.customers.toLocaleString('en-US')} generated customers (seed ${DEMO_SEED}), served in-process; no Stripe key needed. ` +
      'These are not your numbers: set STRIPE_API_KEY (a restricted read-only key) to load your own account.',
  );
  return startDemoSource({ customers: options.customers, seed: DEMO_SEED, ...(settings.TRIBUTARY_NOW ? { now: new Date(settings.TRIBUTARY_NOW) } : {}) });
}

export function printStep(event: RefreshStepEvent, settings: Settings): void {
  if (event.type === 'started') {
    say(`[${event.position}/${event.of}] ${event.step}: ${stepIntro[event.step]}`);
    return;
  }
  const { record } = event;
  if (record.status === 'failed') {
    say(`      ${record.step}: failed after ${seconds(record.seconds)}`);
    return;
  }
  say(`      ${record.step}: ${stepOutcome(record, settings)}, ${seconds(record.seconds)}`);
}

const stepIntro: Record<StepRecord['step'], string> = {
  extract: 'reading Stripe...',
  build: 'building the models and running the data tests in one transaction...',
  publish: 'copying the marts for readers...',
  reports: 'building the reports site (Evidence prerenders every page: about two minutes)...',
};

function stepOutcome(record: StepRecord, settings: Settings): string {
  const c = record.counts;
  switch (record.step) {
    case 'extract':
      return `${c['full'] ? 'read in full' : 'changes since the last run'}: ${count(c['new'])} new, ${count(c['updated'])} updated, ${count(c['deleted'])} deleted objects, ${count(c['requests'])} requests`;
    case 'build':
      return `${count(c['models'])} models built, ${count(c['tests'])} data tests passed`;
    case 'publish':
      return `${count(c['tables'])} tables in ${publishedPathFor(settings.TRIBUTARY_DB)}`;
    case 'reports':
      return `${count(c['pages'])} pages in ${reportsPathsFor(settings.TRIBUTARY_DB).siteDir}`;
  }
}

function describeReportsStep(step: BuildStep): void {
  if (step.name === 'check') say(`      reports: ${count(step.customers)} customers, money in ${step.reportingCurrency.toUpperCase()}`);
}

/** Notices (a stale cursor read in full) and, for a long read, a line every 10 seconds. */
export function extractProgressPrinter(): (event: ExtractProgress) => void {
  let last = Date.now();
  let objects = 0;
  return (event) => {
    if (event.type === 'notice') say(`      note: ${event.message}`);
    if (event.type === 'stream_finished') objects += event.objects;
    if (event.type === 'stream_progress' && Date.now() - last >= 10_000) {
      last = Date.now();
      say(`      extract: ${event.stream}, ${count(objects + event.objects)} objects so far, ${count(event.requests)} requests`);
    }
  };
}

export function describeWait(holder: LockHolder, waitSeconds: number): string {
  return `Waiting for another run to finish (pid ${holder.pid}, ${holder.command}, started ${holder.startedAt}); giving up after ${waitSeconds} s...`;
}

function summary(result: RefreshResult, settings: Settings, withReports: boolean): string {
  const next = withReports
    ? 'See it with `tributary serve` or `tributary reports preview`.'
    : `The site was not rebuilt (--no-reports); query the marts with \`tributary query\` (${publishedPathFor(settings.TRIBUTARY_DB)}).`;
  return `Refresh ${result.runId} finished in ${seconds(result.seconds)}. ${next}`;
}

function count(value: unknown): string {
  return typeof value === 'number' ? value.toLocaleString('en-US') : String(value ?? 0);
}

function seconds(value: number): string {
  if (value < 60) return `${value.toFixed(1)} s`;
  return `${Math.floor(value / 60)} min ${Math.round(value % 60)} s`;
}

export function wholeNumber(name: string, min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}.`);
    return parsed;
  };
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
