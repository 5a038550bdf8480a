import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { InvalidArgumentError, Option } from 'commander';
import { loadSettings } from '../../config/settings.js';
import { UsageError } from '../../errors/index.js';
import { isInteractive, renderTable } from '../output.js';

function wholeNumber(name: string, min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}.`);
    return parsed;
  };
}

function fraction(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || parsed > 1) throw new InvalidArgumentError('--fault-rate must be a fraction from 0 to 1, e.g. 0.2.');
  return parsed;
}

interface DemoServerFlags {
  port: number;
  customers: number;
  seed: number;
  now?: string;
  rateLimit?: number;
  latency?: number;
  faultRate?: number;
}

export function registerDemoServer(program: Command): void {
  program
    .command('demo-server')
    .summary('serve a generated Stripe account over Stripe\'s REST API on 127.0.0.1')
    .description(
      "Generates a realistic two-year SaaS Stripe account (deterministic from --seed) and serves it read-only over Stripe's REST API shape " +
        '(API version 2026-10-28.endive) on 127.0.0.1, so the extractor, the tests and the benchmarks have a Stripe to talk to without a network or a real key. ' +
        'Any test key (sk_test_... or rk_test_...) is accepted and never logged. The Date header carries the account clock (--now), not the machine\'s. ' +
        'The account changes only when told to: POST /_demo/advance, /_demo/signup, /_demo/cancel, /_demo/change-items, /_demo/update-card, ' +
        '/_demo/fail-payments, /_demo/delete-customer and /_demo/refund apply live changes, with the events Stripe would send.',
    )
    .addOption(new Option('--port <n>', 'port to listen on (0: any free port)').argParser(wholeNumber('--port', 0, 65535)).default(12111))
    .addOption(new Option('--customers <n>', 'customers to generate (10 to 200,000)').argParser(wholeNumber('--customers', 10, 200_000)).default(1000))
    .addOption(new Option('--seed <n>', 'seed of the generated account: same seed, same account').argParser(wholeNumber('--seed', 0, 2 ** 31 - 1)).default(42))
    .addOption(new Option('--now <iso>', 'the account clock, e.g. 2026-06-30T12:00:00Z (default: TRIBUTARY_NOW, else the real time)'))
    .addOption(new Option('--rate-limit <n>', 'answer 429 beyond this many requests per second').argParser(wholeNumber('--rate-limit', 1, 100_000)))
    .addOption(new Option('--latency <ms>', 'added to every answer, in milliseconds').argParser(wholeNumber('--latency', 0, 60_000)))
    .addOption(new Option('--fault-rate <f>', 'fraction of requests answered with an injected 429 or 500').argParser(fraction))
    .addHelpText(
      'after',
      `
Examples:
  $ tributary demo-server                                   1,000 customers on http://127.0.0.1:12111
  $ tributary demo-server --customers 10000 --rate-limit 100 --latency 50
  $ STRIPE_API_BASE=http://127.0.0.1:12111 STRIPE_API_KEY=sk_test_demo tributary extract stripe

Live changes from another terminal:
  $ curl -X POST localhost:12111/_demo/signup -d '{"email":"new@example.com","price":"price_..."}'
  $ curl -X POST localhost:12111/_demo/advance -d '{"days":1}'
  $ curl localhost:12111/_demo/state`,
    )
    .action(async (flags: DemoServerFlags) => {
      const nowInput = flags.now ?? loadSettings().TRIBUTARY_NOW;
      if (nowInput !== undefined && (Number.isNaN(Date.parse(nowInput)) || !/^\d{4}-\d{2}-\d{2}/.test(nowInput))) {
        throw new UsageError(`--now must be an ISO 8601 instant such as 2026-06-30T12:00:00Z (got ${JSON.stringify(nowInput)}).`);
      }
      const started = performance.now();
      const bar = isInteractive() ? new cliProgress.SingleBar({ format: 'generating {phase} [{bar}] {value}/{total} customers', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
      let lastLogged = -1;
      let phaseShown = '';
      const [{ generateDemoAccount }, { startDemoServer }, { accountSummary }] = await Promise.all([
        import('../../demo/generate/generateDemoAccount.js'),
        import('../../demo/server/startDemoServer.js'),
        import('../../demo/server/summary.js'),
      ]);
      const account = generateDemoAccount({
        customers: flags.customers,
        seed: flags.seed,
        ...(nowInput !== undefined ? { now: nowInput } : {}),
        onProgress: (phase, done, total) => {
          if (bar) {
            if (phaseShown !== phase) {
              if (phaseShown) bar.stop();
              bar.start(total, done, { phase });
              phaseShown = phase;
            }
            bar.update(done, { phase });
          } else {
            const decile = Math.floor((done / total) * 10);
            if (phase !== phaseShown || decile !== lastLogged) {
              if (total >= 10_000) process.stdout.write(`generating: ${phase} ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} customers\n`);
              lastLogged = decile;
              phaseShown = phase;
            }
          }
        },
      });
      bar?.stop();
      const seconds = (performance.now() - started) / 1000;
      // Counting builds the listing indexes, so the first requests do not wait for them.
      const counts = accountSummary(account);
      const server = await startDemoServer({
        account,
        port: flags.port,
        ...(flags.rateLimit !== undefined ? { rateLimit: flags.rateLimit } : {}),
        ...(flags.latency !== undefined ? { latencyMs: flags.latency } : {}),
        ...(flags.faultRate !== undefined ? { faultRate: flags.faultRate } : {}),
      });
      const rows = Object.entries(counts).map(([name, count]) => [name, count.toLocaleString('en-US')]);
      process.stdout.write(
        `Generated ${flags.customers.toLocaleString('en-US')} customers (seed ${flags.seed}) in ${seconds.toFixed(1)} s; account clock ${account.nowIso}.\n` +
          `${renderTable(['list', 'objects'], rows, { alignRight: [1] })}\n` +
          `Stripe-compatible demo server on ${server.url}` +
          `${flags.rateLimit ? `, ${flags.rateLimit} requests/s` : ''}${flags.latency ? `, +${flags.latency} ms` : ''}${flags.faultRate ? `, ${flags.faultRate * 100}% injected faults` : ''}\n\n` +
          `Point Tributary at it:\n  STRIPE_API_BASE=${server.url} STRIPE_API_KEY=sk_test_demo tributary extract stripe\n\n` +
          `Live changes: POST ${server.url}/_demo/{advance,signup,cancel,change-items,update-card,fail-payments,delete-customer,refund}; state: GET ${server.url}/_demo/state\n` +
          `Press Ctrl-C to stop.\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      process.stdout.write('demo server stopped.\n');
    });
}
