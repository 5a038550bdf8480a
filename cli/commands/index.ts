import type { Command } from 'commander';
import { registerBuildCommand } from './build.js';
import { registerDemoServer } from './demoServer.js';
import { registerExtract } from './extract.js';
import { registerImportCrm } from './importCrm.js';
import { registerCrm } from './crm.js';
import { registerQueryCommand } from './query.js';
import { registerReports } from './reports.js';
import { registerRefresh } from './refresh.js';
import { registerServe } from './serve.js';
import { registerStart } from './start.js';
import { registerTestCommand } from './test.js';

/** Every subcommand, in the order `--help` lists them. Each file wires one command to the modules that do the work. */
export const commands: ReadonlyArray<(program: Command) => void> = [
  registerExtract,
  registerImportCrm,
  registerCrm,
  registerBuildCommand,
  registerTestCommand,
  registerQueryCommand,
  registerDemoServer,
  registerReports,
  registerRefresh,
  registerServe,
  registerStart,
];
