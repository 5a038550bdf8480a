import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/**
 * serve's structured log: one JSON line per request and per refresh (pino),
 * on stdout. On a terminal the same records are printed as short readable
 * lines. Secrets never reach it: nothing logs them on purpose, and every line
 * is scrubbed of the values given here on its way out, in case an error
 * message ever carried one.
 */
export interface ServeLoggerOptions {
  /** Values that must never appear in the log (the API key, the webhook secret). */
  readonly secrets: readonly (string | undefined)[];
  readonly pretty?: boolean;
  readonly level?: string;
  readonly destination?: NodeJS.WritableStream;
}

export function createServeLogger(options: ServeLoggerOptions): Logger {
  const secrets = options.secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length >= 8);
  const out = options.destination ?? process.stdout;
  const destination = options.pretty ? prettyStream(out) : out;
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        streamWrite: (line) => scrub(line, secrets),
      },
    },
    destination as pino.DestinationStream,
  );
}

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

const OMIT = new Set(['time', 'level', 'msg']);

/** `12:03:04 INFO  refresh finished  trigger=webhook seconds=12.3` */
function prettyStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const record = JSON.parse(line) as Record<string, unknown>;
          const time = typeof record['time'] === 'string' ? record['time'].slice(11, 19) : '';
          const level = String(record['level'] ?? '').toUpperCase().padEnd(5);
          const fields = Object.entries(record)
            .filter(([key]) => !OMIT.has(key))
            .map(([key, value]) => `${key}=${typeof value === 'string' ? (/\s/.test(value) ? JSON.stringify(value) : value) : JSON.stringify(value)}`)
            .join(' ');
          out.write(`${time} ${level} ${String(record['msg'] ?? '')}${fields ? `  ${fields}` : ''}\n`);
        } catch {
          out.write(`${line}\n`);
        }
      }
      done();
    },
  });
}
