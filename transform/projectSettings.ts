import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readYamlFile } from './yamlFile.js';

/**
 * The project settings file, `tributary.yml` at the project root: the metric
 * choices of metrics.md that a team may make differently. Missing file or
 * missing keys mean the defaults; an unknown key is an error, so a typo never
 * silently falls back to a default.
 */
export const projectSettingsFile = 'tributary.yml';

export type VarValue = string | number | boolean;

const projectSettingsSchema = z.strictObject({
  mrr: z
    .strictObject({
      discounts: z.enum(['forever', 'all', 'none']).default('forever'),
      churn_at: z.enum(['ended', 'canceled']).default('ended'),
    })
    .prefault({}),
  lifecycle: z
    .strictObject({
      activated_days: z.int().positive().default(30),
    })
    .prefault({}),
  vars: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

export type ProjectSettings = z.output<typeof projectSettingsSchema>;

export function loadProjectSettings(projectDir: string): ProjectSettings {
  const path = join(projectDir, projectSettingsFile);
  if (!existsSync(path)) return projectSettingsSchema.parse({});
  return readYamlFile(path, projectSettingsFile, projectSettingsSchema).data;
}

/** The settings as template vars: `var('mrr.discounts')`, `var('lifecycle.activated_days')`, plus the file's own `vars:`. */
export function settingsVars(settings: ProjectSettings): Record<string, VarValue> {
  return {
    ...settings.vars,
    'mrr.discounts': settings.mrr.discounts,
    'mrr.churn_at': settings.mrr.churn_at,
    'lifecycle.activated_days': settings.lifecycle.activated_days,
  };
}

export interface RuntimeVarOptions {
  /** TRIBUTARY_NOW; the real now when absent. */
  readonly now?: string | Date | undefined;
  /** TRIBUTARY_REPORTING_CURRENCY; absent means the account's default currency. */
  readonly reportingCurrency?: string | undefined;
  /** TRIBUTARY_TZ. */
  readonly timezone?: string | undefined;
}

/** `var('now')` (ISO 8601 UTC), `var('reporting_currency')` (lower case, '' for the account's default), `var('timezone')`. */
export function runtimeVars(options: RuntimeVarOptions = {}): Record<string, VarValue> {
  const now = options.now === undefined ? new Date() : new Date(options.now);
  return {
    now: now.toISOString(),
    reporting_currency: (options.reportingCurrency ?? '').toLowerCase(),
    timezone: options.timezone ?? 'UTC',
  };
}
