/**
 * The two kinds of failure the CLI distinguishes, mapped to the exit statuses
 * of the contract: 1 when the work failed, 2 for bad usage or configuration.
 * Messages are one sentence that names the file, line, object or setting at
 * fault, because that sentence is all a user sees without --verbose.
 */
export class WorkError extends Error {
  readonly exitCode: 1 | 2 = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkError';
  }
}

export class UsageError extends Error {
  readonly exitCode: 1 | 2 = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

export function exitCodeOf(error: unknown): 1 | 2 {
  if (error instanceof UsageError) return 2;
  return 1;
}
