import type { Command } from 'commander';

/** Every subcommand, in the order `--help` lists them. Each file wires one command to the modules that do the work. */
export const commands: ReadonlyArray<(program: Command) => void> = [];
