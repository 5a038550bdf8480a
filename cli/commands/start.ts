import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadSettings } from '../../config/settings.js';
import { builtSiteExists } from '../../refresh/reportsStep.js';
import { DEMO_CUSTOMERS } from '../../refresh/source.js';
import { publishedPathFor } from '../../warehouse/publish.js';
import { openSource, printStep, wholeNumber } from './refresh.js';
import { closeSource, serveLogger, startConfiguredService, untilStopped } from './serve.js';

const HELP = `
What it does:
  The main job on a fresh clone (\`npm start\` runs it):
  1. with STRIPE_API_KEY set, a refresh from that account; without it, from the
     built-in demo account (it says so);
  2. the reports site is built if there is none yet (about two minutes; later starts
     serve the existing site at once and rebuild it in the background);
  3. then it serves, like \`tributary serve\`: the reports, /healthz, the webhook
     endpoint and the nightly refresh, and prints the URL to open.

Settings: as for \`tributary serve\` (STRIPE_API_KEY, STRIPE_WEBHOOK_SECRET, TRIBUTARY_DB,
TRIBUTARY_PORT, TRIBUTARY_SCHEDULE, TRIBUTARY_TZ, ...), from the environment or .env.

Examples:
  $ npm start
  $ STRIPE_API_KEY=rk_live_... npm start
  $ npx tributary start --port 8080
`;

interface StartFlags {
  port?: number;
  demoCustomers: number;
  reports: boolean;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('Refresh (your account with STRIPE_API_KEY, else the demo account), build the reports if needed, then serve them: what `npm start` runs.')
    .option('--port <port>', 'port on 127.0.0.1 (default: TRIBUTARY_PORT, else 3000)', wholeNumber('--port', 1, 65_535))
    .option('--demo-customers <n>', 'customers in the generated demo account, when there is no key', wholeNumber('--demo-customers', 10, 200_000), DEMO_CUSTOMERS)
    .option('--no-reports', 'do not build the reports site')
    .addHelpText('after', HELP)
    .action(async (flags: StartFlags) => {
      const settings = loadSettings();
      const demo = !settings.STRIPE_API_KEY;
      if (demo) say('No STRIPE_API_KEY is set, so this runs on the built-in demo account.');
      const source = await openSource(settings, { demo, customers: flags.demoCustomers });
      const logger = await serveLogger(settings);
      // Listening first: a port in use fails now, not after a refresh of several minutes.
      const service = await startConfiguredService({
        settings,
        source,
        logger,
        port: flags.port ?? settings.TRIBUTARY_PORT,
        reports: flags.reports,
        onStep: (trigger, event) => {
          if (trigger === 'start') printStep(event, settings);
        },
      }).catch(async (error: unknown) => {
        await closeSource(source);
        throw error;
      });
      say(`Refreshing from ${source.label} before serving...`);
      const buildSiteNow = flags.reports && !builtSiteExists(settings.TRIBUTARY_DB);
      const outcome = await service.coordinator.run('start', {
        reports: buildSiteNow ? { reportingCurrency: settings.TRIBUTARY_REPORTING_CURRENCY } : false,
      });
      if (outcome && !outcome.ok) {
        if (!existsSync(publishedPathFor(settings.TRIBUTARY_DB))) {
          await service.close();
          await closeSource(source);
          throw outcome.error;
        }
        say(`warning: ${outcome.error.message}; serving the data of the last good refresh.`);
      }
      const siteNote = !flags.reports
        ? ' (the reports site is not rebuilt: --no-reports)'
        : buildSiteNow || !builtSiteExists(settings.TRIBUTARY_DB)
          ? ''
          : ' (the site is being rebuilt with the new data in the background; the current one stays up meanwhile)';
      say(`\nTributary is running${demo ? ' on the DEMO account' : ''}: open ${service.url}${siteNote}`);
      say(`Health: ${service.url}healthz   Webhooks: POST ${service.url}webhooks/stripe   Stop: Ctrl-C\n`);
      await untilStopped(service, source, logger);
    });
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
