import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { packageRoot } from './paths.js';

/**
 * Runs the Evidence CLI of our node_modules in a prepared project directory.
 * Evidence starts Vite through a shell and npx, so each run gets a process
 * group of its own and is stopped as a group.
 */
export const evidenceCliPath = join(packageRoot, 'node_modules', '@evidence-dev', 'evidence', 'cli.js');

export interface EvidenceRunOptions {
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** Where stdout and stderr go; 'inherit' shows them on our terminal. */
  readonly output: Writable | 'inherit';
}

export interface EvidenceRun {
  readonly child: ChildProcess;
  /** Resolves with the exit code, or 128 + the signal number when a signal ended it. */
  readonly exited: Promise<number>;
  /** Stops Evidence and everything it started. */
  stop(): void;
}

export function runEvidence(args: readonly string[], options: EvidenceRunOptions): EvidenceRun {
  const child = spawn(process.execPath, [evidenceCliPath, ...args], {
    cwd: options.cwd,
    env: { ...inheritedEnvironment(), ...options.env },
    stdio: options.output === 'inherit' ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (options.output !== 'inherit') {
    const sink = options.output;
    child.stdout?.on('data', (chunk: Buffer) => sink.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => sink.write(chunk));
  }
  const exited = new Promise<number>((resolve) => {
    child.on('error', () => resolve(1));
    // A signal death reads like a shell's status: 128 + the signal number (SIGTERM: 143).
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
  });
  const stop = (): void => {
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  };
  return { child, exited, stop };
}

/**
 * Our environment minus what would change how Vite builds: a test runner's
 * NODE_ENV=test makes SvelteKit prerender Evidence's dev-only pages (and
 * fail on them), so the caller sets NODE_ENV for its step.
 */
function inheritedEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_ENV' || key === 'TEST' || key.startsWith('VITEST') || key.startsWith('VITE_')) continue;
    env[key] = value;
  }
  return env;
}
