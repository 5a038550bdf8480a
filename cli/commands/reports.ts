import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadSettings, type Settings } from '../../config/settings.js';
import { UsageError, WorkError } from '../../errors/index.js';
import type { BuildStep } from '../../reports/buildReports.js';
import { defaultWorkDir, reportsPathsFor } from '../../reports/paths.js';

export function registerReports(program: Command): void {
  const reports = program
    .command('reports')
    .description('The Evidence reports over the published marts: build the static site, develop pages, or preview the site.')
    .addHelpText(
      'after',
      `
The reports read only the published copy of the marts, <TRIBUTARY_DB without .duckdb>.published.duckdb,
which every successful \`tributary build\` (and \`tributary refresh\`) writes; so they never wait for a
running refresh. The built site goes beside it, e.g. data/warehouse.reports/.

  $ tributary refresh --demo        a warehouse with the demo account
  $ tributary reports build         run the report queries and prerender every page (about 2 minutes)
  $ tributary reports preview       serve the built site on http://127.0.0.1:3000/
  $ tributary reports dev           edit reports/pages/*.md with live reload

Money is shown in TRIBUTARY_REPORTING_CURRENCY when set, else in the currency the account settles in.
Nothing is fetched from the network while building or serving.`,
    );

  reports
    .command('build')
    .description('Run the report queries over the published copy and build the static site (replacing the previous one).')
    .action(async (_options: unknown, command: Command) => {
      const settings = loadSettings();
      const paths = reportsPathsFor(settings.TRIBUTARY_DB);
      const controller = new AbortController();
      const interrupt = (): void => controller.abort();
      process.once('SIGINT', interrupt);
      process.once('SIGTERM', interrupt);
      try {
        const { buildReports } = await import('../../reports/buildReports.js');
        const built = await buildReports({
          ...paths,
          workDir: defaultWorkDir('build'),
          reportingCurrency: settings.TRIBUTARY_REPORTING_CURRENCY,
          onStep: (step) => process.stdout.write(describeStep(step, paths.publishedPath)),
          signal: controller.signal,
        });
        process.stdout.write(
          `Built ${built.pages} pages in ${built.seconds.toFixed(0)} s (${(built.bytes / 1e6).toFixed(0)} MB): ${built.siteDir}\n` +
            `Preview them with: tributary reports preview\n`,
        );
      } finally {
        process.off('SIGINT', interrupt);
        process.off('SIGTERM', interrupt);
      }
      void command;
    });

  reports
    .command('dev')
    .description("Run Evidence's development server over the published copy, reloading as reports/pages change.")
    .option('--port <port>', 'port on 127.0.0.1 (default: TRIBUTARY_PORT, else 3000)')
    .action(async (options: { port?: string }) => {
      const settings = loadSettings();
      const paths = reportsPathsFor(settings.TRIBUTARY_DB);
      const { startReportsDev } = await import('../../reports/devReports.js');
      const dev = await startReportsDev({
        publishedPath: paths.publishedPath,
        workDir: defaultWorkDir('dev'),
        port: portOf(options.port, settings),
        reportingCurrency: settings.TRIBUTARY_REPORTING_CURRENCY,
      });
      process.stdout.write(`Reports dev server: ${dev.url} (Ctrl-C to stop)\n`);
      const stop = (): void => dev.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const code = await dev.exited;
      if (code !== 0 && code !== 143 && code !== 130) throw new WorkError(`Evidence's dev server stopped with exit code ${code}; its output is above.`);
    });

  reports
    .command('preview')
    .description('Serve the built reports on 127.0.0.1 (no build step; run `tributary reports build` first).')
    .option('--port <port>', 'port on 127.0.0.1 (default: TRIBUTARY_PORT, else 3000)')
    .action(async (options: { port?: string }) => {
      const settings = loadSettings();
      const paths = reportsPathsFor(settings.TRIBUTARY_DB);
      if (!existsSync(join(paths.siteDir, 'index.html'))) {
        throw new WorkError(`No built reports at ${paths.siteDir} yet: run \`tributary reports build\` first.`);
      }
      const { startSiteServer } = await import('../../reports/serveSite.js');
      const server = await startSiteServer({ siteDir: paths.siteDir, port: portOf(options.port, settings) });
      process.stdout.write(`Reports: ${server.url} (serving ${paths.siteDir}; Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void server.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}

function portOf(flag: string | undefined, settings: Settings): number {
  if (flag === undefined) return settings.TRIBUTARY_PORT;
  const port = Number(flag);
  if (!/^\d+$/.test(flag) || port < 1 || port > 65535) throw new UsageError(`The option --port must be a port number from 1 to 65535 (got ${JSON.stringify(flag)}).`);
  return port;
}

function describeStep(step: BuildStep, publishedPath: string): string {
  switch (step.name) {
    case 'check':
      return `Reports from ${publishedPath} (${step.customers.toLocaleString('en-US')} customers, money in ${step.reportingCurrency.toUpperCase()})\n`;
    case 'sources':
      return '  running the report queries...\n';
    case 'site':
      return '  building the pages (Evidence takes about two minutes)...\n';
    case 'done':
      return '';
  }
}
