import { Command, CommanderError } from 'commander';
import { exitCodeOf } from '../errors/index.js';
import { dropOutputOnceReaderLeaves } from './closedOutput.js';
import { commands } from './commands/index.js';
import { reportFailure } from './output.js';

dropOutputOnceReaderLeaves(process.stdout);
dropOutputOnceReaderLeaves(process.stderr);

const program = new Command('tributary')
  .description('Stripe as the system of record, the CRM as an honest read-only view: extract, build, query and report.')
  .option('--verbose', 'show stack traces and debug detail')
  .showHelpAfterError('(run with --help for usage)')
  .configureHelp({ showGlobalOptions: true })
  .exitOverride();

for (const register of commands) register(program);

program.addHelpText(
  'after',
  `
A first run:
  $ tributary refresh --demo       load the built-in demo account and build the marts
  $ tributary query "select month, mrr, net_new_mrr from marts.mrr_monthly order by month desc limit 6"
  $ tributary reports preview      open the reports on http://127.0.0.1:3000

Settings come from the environment or a .env file; see the README.`,
);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed help or the usage problem.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    reportFailure(error, Boolean(program.opts().verbose));
    process.exitCode = exitCodeOf(error);
  }
}
