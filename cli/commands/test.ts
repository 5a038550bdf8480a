import type { Command } from 'commander';
import { loadSettings } from '../../config/settings.js';
import { openForWriting } from '../writerWarehouse.js';
import { printTestResult, printWarning, runtimeVarsFrom } from './build.js';

export function registerTestCommand(program: Command): void {
  program
    .command('test')
    .description('Run the data tests (YAML tests and models/tests/*.sql) against the tables as they are; exit 1 when one fails.')
    .option('-s, --select <models...>', 'only the tests of these models: model, model+ (and downstream), +model (and upstream)')
    .addHelpText(
      'after',
      `
Each test is a query that returns failing rows: unique, not_null, accepted_values and
relationships declared on columns in the YAML beside the models, the SQL files in
models/tests/, and the check that every mart column has a description. A failing test
is named with its failure count and a few of its rows. \`tributary build\` runs the same
tests inside its transaction; this command changes no table.`,
    )
    .action(async (options: { select?: string[] }) => {
      const settings = loadSettings();
      const warehouse = await openForWriting('test', { path: settings.TRIBUTARY_DB });
      try {
        const { testProject } = await import('../../transform/build.js');
        const result = await testProject({
          warehouse,
          projectDir: process.cwd(),
          select: options.select ?? [],
          vars: runtimeVarsFrom(settings),
          onTest: printTestResult,
          onWarning: printWarning,
        });
        process.stdout.write(`${result.tests.length} data test${result.tests.length === 1 ? '' : 's'} passed in ${result.seconds.toFixed(2)} s.\n`);
      } finally {
        await warehouse.close();
      }
    });
}
