import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoAccount, type DemoAccountOptions } from '../../demo/account/account.js';
import { startDemoServer } from '../../demo/server/startDemoServer.js';
import { extractStripe } from '../../extract/stripe/extractStripe.js';
import { buildProject, type BuildResult } from '../../transform/build.js';
import type { VarValue } from '../../transform/projectSettings.js';
import { Warehouse } from '../../warehouse/warehouse.js';

export const projectDir = join(import.meta.dirname, '..', '..');

export interface ScenarioOptions extends Omit<DemoAccountOptions, 'now'> {
  /** The account clock and TRIBUTARY_NOW of the build. */
  readonly now: string;
  /** Build vars: settings such as 'mrr.discounts', plus timezone or reporting_currency. */
  readonly vars?: Readonly<Record<string, VarValue>>;
  /** Where the models, seeds and tributary.yml are: this repository unless a test brings a modified copy. */
  readonly projectDir?: string;
  /** Skip the first build (a test that expects it to fail builds itself). */
  readonly skipBuild?: boolean;
}

/**
 * A small Stripe account declared by a test, served by the demo server,
 * loaded by the real extractor through the real SDK into a real DuckDB file,
 * and built by the real runner: the whole path a founder's numbers take.
 */
export class Scenario {
  private constructor(
    readonly account: DemoAccount,
    readonly warehouse: Warehouse,
    private readonly dir: string,
    private readonly now: string,
    private readonly baseVars: Readonly<Record<string, VarValue>>,
    private readonly projectDir: string,
  ) {}

  static async run(declare: (account: DemoAccount) => void, options: ScenarioOptions): Promise<Scenario> {
    const { now, vars, projectDir: modelsDir, skipBuild, ...accountOptions } = options;
    const account = new DemoAccount({ seed: 1, ...accountOptions, now });
    declare(account);
    account.advanceTo(now);
    const dir = mkdtempSync(join(tmpdir(), 'tributary-scenario-'));
    const warehouse = await Warehouse.open({ path: join(dir, 'warehouse.duckdb') });
    const server = await startDemoServer({ account });
    try {
      await extractStripe({ warehouse, apiKey: 'sk_test_scenario', apiBase: server.url, rate: 1000 });
    } finally {
      await server.close();
    }
    const scenario = new Scenario(account, warehouse, dir, now, vars ?? {}, modelsDir ?? projectDir);
    if (!skipBuild) await scenario.build();
    return scenario;
  }

  /** Rebuilds the models over the same raw data, with other settings. */
  async build(vars: Readonly<Record<string, VarValue>> = {}): Promise<BuildResult> {
    return buildProject({
      warehouse: this.warehouse,
      projectDir: this.projectDir,
      vars: { now: new Date(this.now).toISOString(), timezone: 'UTC', reporting_currency: '', ...this.baseVars, ...vars },
      publish: false,
    });
  }

  async query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.warehouse.all<T>(sql, params);
  }

  /** Total MRR per month as plain numbers, keyed 'YYYY-MM'. */
  async mrrByMonth(): Promise<Record<string, number>> {
    const rows = await this.query<{ month: string; mrr: number }>(
      `select strftime(month, '%Y-%m') as month, mrr::double as mrr from marts.mrr_monthly order by month`,
    );
    return Object.fromEntries(rows.map((row) => [row.month, row.mrr]));
  }

  /** One customer's MRR per month, keyed 'YYYY-MM'. */
  async customerMrrByMonth(customerId: string): Promise<Record<string, number>> {
    const rows = await this.query<{ month: string; mrr: number }>(
      `select strftime(month, '%Y-%m') as month, mrr::double as mrr from marts.customer_mrr_monthly where customer_id = ? order by month`,
      [customerId],
    );
    return Object.fromEntries(rows.map((row) => [row.month, row.mrr]));
  }

  /** Movements as 'YYYY-MM movement amount' strings, in order, for compact assertions. */
  async movements(customerId?: string): Promise<string[]> {
    const rows = await this.query<{ line: string }>(
      `select strftime(month, '%Y-%m') || ' ' || movement || ' ' || amount::varchar as line
       from marts.mrr_movements ${customerId ? 'where customer_id = ?' : ''}
       order by month, customer_id, movement`,
      customerId ? [customerId] : [],
    );
    return rows.map((row) => row.line);
  }

  async close(): Promise<void> {
    await this.warehouse.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
