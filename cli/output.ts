import Table from 'cli-table3';

/** One sentence on stderr; the stack only when asked for. */
export function reportFailure(error: unknown, verbose: boolean): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message}\n`);
  if (verbose && error instanceof Error) {
    process.stderr.write(`${error.stack ?? ''}\n`);
    if (error.cause instanceof Error) process.stderr.write(`caused by: ${error.cause.stack ?? error.cause.message}\n`);
  }
}

export function renderTable(head: readonly string[], rows: readonly (readonly unknown[])[], options: { alignRight?: readonly number[] } = {}): string {
  const table = new Table({
    head: [...head],
    style: { head: [], border: [], compact: true },
    colAligns: head.map((_, i) => (options.alignRight?.includes(i) ? 'right' : 'left')),
  });
  for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))));
  return table.toString();
}

export const isInteractive = (): boolean => Boolean(process.stdout.isTTY) && process.env['CI'] === undefined;
