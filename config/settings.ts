import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import cron from 'node-cron';
import { z } from 'zod';
import { UsageError } from '../errors/index.js';

/**
 * The environment settings of the contract, validated once at start. Modules
 * take what they need as arguments; only the CLI reads the environment.
 */
const isoInstant = z.string().refine((value) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}/.test(value), {
  message: 'must be an ISO 8601 instant such as 2026-06-30T12:00:00Z',
});

const timeZone = z.string().refine(
  (value) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as UTC or Europe/Berlin' },
);

const port = z.coerce.number({ message: 'must be a port number from 1 to 65535' }).int({ message: 'must be a port number from 1 to 65535' }).min(1, { message: 'must be a port number from 1 to 65535' }).max(65535, { message: 'must be a port number from 1 to 65535' });

export const settingsSchema = z.object({
  STRIPE_API_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, { message: 'must be a Stripe secret (sk_...) or restricted (rk_...) key' })
    .optional(),
  STRIPE_API_BASE: z.url({ message: 'must be a URL such as http://127.0.0.1:12111' }).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().startsWith('whsec_', { message: 'must be a webhook signing secret (whsec_...)' }).optional(),
  TRIBUTARY_DB: z.string().min(1).default('data/warehouse.duckdb'),
  TRIBUTARY_NOW: isoInstant.optional(),
  TRIBUTARY_REPORTING_CURRENCY: z
    .string()
    .regex(/^[A-Za-z]{3}$/, { message: 'must be a three-letter ISO currency code such as usd' })
    .transform((value) => value.toLowerCase())
    .optional(),
  TRIBUTARY_SCHEDULE: z
    .string()
    .refine((value) => cron.validate(value), { message: 'must be a cron expression such as "0 3 * * *"' })
    .default('0 3 * * *'),
  TRIBUTARY_TZ: timeZone.default('UTC'),
  TRIBUTARY_PORT: port.default(3000),
  TRIBUTARY_STRIPE_RATE: z.coerce.number().positive().max(1000).optional(),
});

export type Settings = z.infer<typeof settingsSchema>;

/** Reads `.env` in the working directory (the environment wins over it), then validates. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Settings {
  const merged: Record<string, string | undefined> = {};
  const envFile = resolve(cwd, '.env');
  if (existsSync(envFile)) Object.assign(merged, parseEnv(readFileSync(envFile, 'utf8')));
  for (const key of Object.keys(settingsSchema.shape)) {
    if (env[key] !== undefined && env[key] !== '') merged[key] = env[key];
    else if (merged[key] === '') delete merged[key];
  }
  const parsed = settingsSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0]);
    throw new UsageError(`The setting ${variable} ${issue.message.replace(/^Invalid input: /, '')} (got ${JSON.stringify(redact(variable, merged[variable]))}).`);
  }
  return parsed.data;
}

/** Secrets never appear in messages, not even the one about their own format. */
function redact(variable: string, value: string | undefined): string | undefined {
  if (value === undefined) return value;
  if (variable === 'STRIPE_API_KEY' || variable === 'STRIPE_WEBHOOK_SECRET') return `${value.slice(0, 3)}…`;
  return value;
}
