import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkError } from '../errors/index.js';
import { Warehouse } from '../warehouse/warehouse.js';
import { reportsSourceDir } from './paths.js';
import { SOURCE_NAME } from './evidenceProject.js';

/**
 * What the reports need from the published copy, checked before Evidence
 * runs: its own errors for a missing file or table are a page of stack traces.
 */
export const noPublishedCopyForReports = (path: string): string =>
  `No published copy of the warehouse at ${path} yet: run \`tributary refresh --demo\` first (or \`tributary build\` after an extract).`;

/** Every `marts.x` / `meta.x` table the source queries read, from the SQL files themselves. */
export function tablesReadBySources(sourcesDir = join(reportsSourceDir, 'sources', SOURCE_NAME)): string[] {
  const tables = new Set<string>();
  for (const file of readdirSync(sourcesDir)) {
    if (!file.endsWith('.sql')) continue;
    const sql = readFileSync(join(sourcesDir, file), 'utf8').replace(/--.*$/gm, '');
    for (const match of sql.matchAll(/\b(?:from|join)\s+((?:marts|meta)\.[a-z_][a-z0-9_]*)/gi)) tables.add(match[1]!.toLowerCase());
  }
  return [...tables].sort();
}

export interface PublishedCopyFacts {
  /** The reporting currency: given, else the currency the account settles in, else the customers' most common one. */
  readonly reportingCurrency: string;
  readonly customers: number;
}

export async function inspectPublishedCopy(path: string, options: { reportingCurrency?: string; requiredTables?: readonly string[] } = {}): Promise<PublishedCopyFacts> {
  if (!existsSync(path)) throw new WorkError(noPublishedCopyForReports(path));
  const copy = await Warehouse.open({ path, readOnly: true });
  try {
    const present = new Set(
      (await copy.all<{ name: string }>(`select table_schema || '.' || table_name as name from information_schema.tables where table_catalog = current_database()`)).map((row) => row.name),
    );
    const missing = (options.requiredTables ?? tablesReadBySources()).filter((table) => !present.has(table));
    if (missing.length > 0) {
      throw new WorkError(
        `The published copy ${path} has no table ${missing.join(', ')}, which the reports read: rebuild the models with \`tributary build\` (or \`tributary refresh --demo\`).`,
      );
    }
    const customers = (await copy.one<{ n: number }>('select count(*)::integer as n from marts.customers'))?.n ?? 0;
    return { reportingCurrency: options.reportingCurrency?.toLowerCase() ?? (await inferReportingCurrency(copy)), customers };
  } finally {
    await copy.close();
  }
}

/**
 * The marts hold money in the reporting currency but do not name it; by
 * default it is the account's default currency, which is also the one Stripe
 * settles in, so the settlement currency with the most volume says it.
 */
async function inferReportingCurrency(copy: Warehouse): Promise<string> {
  const settled = await copy.one<{ currency: string }>(
    `select lower(currency) as currency from marts.revenue_monthly group by 1 order by sum(gross_volume) desc nulls last, 1 limit 1`,
  );
  if (settled?.currency) return settled.currency;
  const billed = await copy.one<{ currency: string }>(
    `select lower(currency) as currency from marts.customers where currency is not null group by 1 order by count(*) desc, 1 limit 1`,
  );
  return billed?.currency ?? 'usd';
}
