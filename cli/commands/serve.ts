import type { Command } from 'commander';
import type { Logger } from 'pino';
import { loadSettings, type Settings } from '../../config/settings.js';
import { UsageError } from '../../errors/index.js';
import type { RefreshStepEvent, RefreshTrigger } from '../../refresh/runRefresh.js';
import { DEMO_CUSTOMERS, type DemoSource, type StripeSource } from '../../refresh/source.js';
import type { Service } from '../../serve/service.js';
import { isInteractive } from '../output.js';
import { openSource, wholeNumber } from './refresh.js';
import { runtimeVarsFrom } from './build.js';

const HELP = `
What it does (on 127.0.0.1, port --port, else TRIBUTARY_PORT, else 3000):
  POST /webhooks/stripe  Stripe webhook endpoint. Each delivery's Stripe-Signature is checked
                         against STRIPE_WEBHOOK_SECRET over the raw body (300 s tolerance,
                         1 MiB limit); a valid event is stored durably (fsync'd, in
                         <TRIBUTARY_DB without .duckdb>.webhooks/) before the 200, once per
                         event id. A refresh follows a couple of seconds after the last event
                         (incremental extract, build, publish), so changes reach the marts
                         within a minute; events survive a crash and are applied on restart.
                         Without STRIPE_WEBHOOK_SECRET every delivery is refused (503).
  GET  /healthz          200 with JSON: last successful refresh, whether one is running,
                         waiting events, the next scheduled run, the reports build.
  GET  /...              the built reports (rebuilt in the background after refreshes).

  The full refresh runs on TRIBUTARY_SCHEDULE (cron, default "0 3 * * *") in TRIBUTARY_TZ.
  Refreshes never overlap, and each takes the writer lock only while it runs, so
  \`tributary import crm\` and \`tributary crm ...\` work while serve idles, and
  \`tributary query\` works at any time. Logs: one JSON line per request and per refresh
  on stdout (readable lines on a terminal); never the key or the webhook secret.

Settings (environment or .env):
  STRIPE_API_KEY, STRIPE_API_BASE   the account to refresh from (or --demo)
  STRIPE_WEBHOOK_SECRET             the endpoint's signing secret (whsec_...)
  TRIBUTARY_SCHEDULE, TRIBUTARY_TZ, TRIBUTARY_PORT, TRIBUTARY_DB

Examples:
  $ tributary serve
  $ tributary serve --port 8080
  $ stripe listen --forward-to http://127.0.0.1:3000/webhooks/stripe    (Stripe CLI, for testing)
`;

interface ServeFlags {
  port?: number;
  demo?: boolean;
  demoCustomers: number;
  reports: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Long-running: receive Stripe webhooks, refresh on the schedule, serve the reports and /healthz.')
    .option('--port <port>', 'port on 127.0.0.1 (default: TRIBUTARY_PORT, else 3000)', wholeNumber('--port', 1, 65_535))
    .option('--demo', 'refresh from the built-in demo account (no Stripe key needed)')
    .option('--demo-customers <n>', 'customers in the generated demo account', wholeNumber('--demo-customers', 10, 200_000), DEMO_CUSTOMERS)
    .option('--no-reports', 'do not rebuild the reports site after refreshes (it is still served)')
    .addHelpText('after', HELP)
    .action(async (flags: ServeFlags) => {
      const settings = loadSettings();
      if (!flags.demo && !settings.STRIPE_API_KEY) {
        throw new UsageError('No Stripe key is set: set STRIPE_API_KEY to serve your account, or run `tributary serve --demo` (or `npm start`) to serve the built-in demo account.');
      }
      const source = await openSource(settings, { demo: Boolean(flags.demo), customers: flags.demoCustomers });
      const logger = await serveLogger(settings);
      const service = await startConfiguredService({ settings, source, logger, port: flags.port ?? settings.TRIBUTARY_PORT, reports: flags.reports }).catch(async (error: unknown) => {
        await closeSource(source);
        throw error;
      });
      await untilStopped(service, source, logger);
    });
}

export async function serveLogger(settings: Settings): Promise<Logger> {
  const { createServeLogger } = await import('../../serve/logger.js');
  return createServeLogger({ secrets: [settings.STRIPE_API_KEY, settings.STRIPE_WEBHOOK_SECRET], pretty: isInteractive() });
}

export async function startConfiguredService(options: {
  settings: Settings;
  source: StripeSource;
  logger: Logger;
  port: number;
  reports: boolean;
  onStep?: (trigger: RefreshTrigger, event: RefreshStepEvent) => void;
}): Promise<Service> {
  const { settings, source } = options;
  // The server, scheduler and webhook modules load only when something serves.
  const { startService } = await import('../../serve/service.js');
  return startService({
    warehousePath: settings.TRIBUTARY_DB,
    projectDir: process.cwd(),
    source,
    vars: () => runtimeVarsFrom(settings),
    port: options.port,
    webhookSecret: settings.STRIPE_WEBHOOK_SECRET,
    schedule: { cron: settings.TRIBUTARY_SCHEDULE, timezone: settings.TRIBUTARY_TZ },
    reports: options.reports,
    reportingCurrency: settings.TRIBUTARY_REPORTING_CURRENCY,
    logger: options.logger,
    // The demo account's clock follows the real one, so renewals and trial ends happen while serve runs.
    ...(source.kind === 'demo' && !settings.TRIBUTARY_NOW ? { beforeRun: () => (source as DemoSource).advanceTo(Math.floor(Date.now() / 1000)) } : {}),
    ...(options.onStep ? { onStep: options.onStep } : {}),
  });
}

/** Runs until SIGINT or SIGTERM, then stops taking work and lets a refresh under way finish (its build commits or rolls back). */
export async function untilStopped(service: Service, source: StripeSource, logger: Logger): Promise<void> {
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'stopping now');
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal, runInProgress: service.coordinator.state.running !== null }, 'stopping: finishing the refresh under way, if any (signal again to stop at once)');
      void service
        .close()
        .then(() => closeSource(source))
        .then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  logger.info('stopped');
}

/** The in-process demo server, when there is one: it would keep the process alive. */
export async function closeSource(source: StripeSource): Promise<void> {
  if (source.kind === 'demo') await (source as DemoSource).close();
}
