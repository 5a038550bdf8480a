import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyFixture, loadShopRaw, openWarehouse, removeTempDirs, runCli, shopData, writeFiles } from './support.js';

afterEach(removeTempDirs);

async function shopProject(): Promise<string> {
  const dir = copyFixture('shop');
  const warehouse = await openWarehouse(dir);
  await loadShopRaw(warehouse, shopData);
  await warehouse.close();
  return dir;
}

describe('tributary build and test on the command line', () => {
  it('refuses, exit 2, to build from a folder with no models/ (an empty build would publish empty marts)', async () => {
    const dir = await shopProject();
    rmSync(join(dir, 'models'), { recursive: true });
    const result = await runCli(dir, ['build']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`error: There is no models/ folder in ${dir}: run tributary from the project folder (the one that holds models/ and tributary.yml).\n`);
    expect(existsSync(join(dir, 'data', 'warehouse.published.duckdb'))).toBe(false);
  });

  it('prints each model with its materialization, rows and seconds, the tests, and a total', async () => {
    const dir = await shopProject();
    const result = await runCli(dir, ['build']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 5).map((line) => line.replace(/\s+/g, ' ').replace(/\d+\.\d\d s$/, 'N s').trim())).toEqual([
      'view staging.stg_stripe__customers - N s',
      'view staging.stg_stripe__invoices - N s',
      'seed seeds.fx_rates 2 rows N s',
      'table intermediate.int_customer_revenue 2 rows N s',
      'table marts.customers 2 rows N s',
    ]);
    expect(lines.slice(5, 12).every((line) => line.startsWith('  pass  '))).toBe(true);
    expect(lines[12]).toMatch(/^Built 4 models \(2 views, 2 tables\) and 1 seed, 7 data tests passed, in \d+\.\d\d s\. Published .*warehouse\.published\.duckdb\.$/);
  });

  it('exits 1 on a failing data test, naming it with its failing rows, and leaves the previous tables', async () => {
    const dir = await shopProject();
    expect((await runCli(dir, ['build'])).status).toBe(0);
    const warehouse = await openWarehouse(dir);
    await loadShopRaw(warehouse, { customers: [...shopData.customers, { id: 'cus_eve', email: '', name: 'Eve' }], invoices: shopData.invoices });
    // Eve has no email at all.
    await warehouse.run(`update raw_stripe.customers set data = '{"id": "cus_eve", "name": "Eve", "created": 1767225600}' where id = 'cus_eve'`);
    await warehouse.close();

    const result = await runCli(dir, ['build']);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('  FAIL  not_null(customers.email) (models/marts/schema.yml): 1 failing row:');
    // The failing row itself, as a table under the test.
    expect(result.stdout).toMatch(/customer_id\s*│\s*email\s*│\s*name\s*│\s*revenue/);
    expect(result.stdout).toMatch(/cus_eve\s*│\s*NULL\s*│\s*Eve\s*│\s*0\.00/);
    expect(result.stderr).toBe(
      'error: 1 data test failed (not_null(customers.email)); the build was rolled back and the previous tables are unchanged.\n',
    );
    const after = await openWarehouse(dir);
    expect(await after.all('select customer_id from marts.customers order by 1')).toEqual([{ customer_id: 'cus_ann' }, { customer_id: 'cus_bob' }]);
    await after.close();

    const test = await runCli(dir, ['test']);
    expect(test.status).toBe(0);
    expect(test.stdout).toMatch(/7 data tests passed in \d+\.\d\d s\.\n$/);
  });

  it('exits 1 from tributary test when the tables fail a test', async () => {
    const dir = await shopProject();
    expect((await runCli(dir, ['build'])).status).toBe(0);
    const warehouse = await openWarehouse(dir);
    await warehouse.run(`update marts.customers set discounts_setting = 'sometimes'`);
    await warehouse.close();
    const result = await runCli(dir, ['test', '--select', 'customers']);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('  FAIL  accepted_values(customers.discounts_setting) (models/marts/schema.yml): 1 failing row:');
    expect(result.stdout).toMatch(/value\s*│\s*occurrences/);
    expect(result.stdout).toMatch(/sometimes\s*│\s*2/);
    expect(result.stderr).toBe('error: 1 data test failed (accepted_values(customers.discounts_setting)).\n');
  });

  it('exits 2 with the file, line and key of a bad tributary.yml', async () => {
    const dir = await shopProject();
    writeFiles(dir, { 'tributary.yml': '# settings\nmrr:\n  churn_at: whenever\n' });
    const result = await runCli(dir, ['build']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('error: tributary.yml line 3: mrr.churn_at must be one of ended, canceled.\n');
  });

  it('exits 2 for a cycle, naming the models and files', async () => {
    const dir = await shopProject();
    writeFiles(dir, { 'models/staging/stripe/stg_stripe__invoices.sql': "select * from {{ ref('int_customer_revenue') }}" });
    const result = await runCli(dir, ['build']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'error: The models form a cycle: int_customer_revenue -> stg_stripe__invoices -> int_customer_revenue (models/intermediate/int_customer_revenue.sql, models/staging/stripe/stg_stripe__invoices.sql); a model cannot depend on itself through ref().\n',
    );
  });
});
