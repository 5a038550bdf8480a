import { afterEach, describe, expect, it } from 'vitest';
import { buildProject } from '../../transform/build.js';
import { copyFixture, fixedVars, loadShopRaw, openWarehouse, removeTempDirs, shopData, writeFiles } from './support.js';

afterEach(removeTempDirs);

describe('docs tables', () => {
  it('writes every model and seed to meta.model_docs and every built column with its YAML description to meta.column_docs', async () => {
    const dir = copyFixture('shop');
    const warehouse = await openWarehouse(dir);
    await loadShopRaw(warehouse, shopData);
    await buildProject({ warehouse, projectDir: dir, vars: fixedVars });
    expect(await warehouse.all('select * from meta.model_docs order by model')).toEqual([
      { model: 'customers', schema: 'marts', layer: 'marts', description: 'One row per live Stripe customer with the revenue they paid.', materialized: 'table', file: 'models/marts/customers.sql' },
      { model: 'fx_rates', schema: 'seeds', layer: 'seeds', description: 'Conversion rates to the reporting currency.', materialized: 'seed', file: 'seeds/fx_rates.csv' },
      { model: 'int_customer_revenue', schema: 'intermediate', layer: 'intermediate', description: null, materialized: 'table', file: 'models/intermediate/int_customer_revenue.sql' },
      { model: 'stg_stripe__customers', schema: 'staging', layer: 'staging', description: null, materialized: 'view', file: 'models/staging/stripe/stg_stripe__customers.sql' },
      { model: 'stg_stripe__invoices', schema: 'staging', layer: 'staging', description: 'Stripe invoices, typed.', materialized: 'view', file: 'models/staging/stripe/stg_stripe__invoices.sql' },
    ]);
    expect(await warehouse.all(`select "column", position, data_type, description from meta.column_docs where model = 'customers' order by position`)).toEqual([
      { column: 'customer_id', position: 1, data_type: 'VARCHAR', description: 'The Stripe customer id.' },
      { column: 'email', position: 2, data_type: 'VARCHAR', description: 'Lower-cased email address.' },
      { column: 'name', position: 3, data_type: 'VARCHAR', description: "The customer's name as Stripe has it." },
      { column: 'revenue', position: 4, data_type: 'DECIMAL(18,2)', description: 'Paid invoices converted with seeds/fx_rates.csv, major units.' },
      { column: 'discounts_setting', position: 5, data_type: 'VARCHAR', description: 'The mrr.discounts setting the build used.' },
      { column: 'activated_days', position: 6, data_type: 'INTEGER', description: 'The lifecycle.activated_days setting the build used.' },
    ]);
    // Views are documented from their columns too; undocumented columns have no description.
    expect(await warehouse.all(`select "column", data_type, description from meta.column_docs where model = 'stg_stripe__invoices' order by position`)).toEqual([
      { column: 'invoice_id', data_type: 'VARCHAR', description: null },
      { column: 'stripe_customer_id', data_type: 'VARCHAR', description: null },
      { column: 'status', data_type: 'VARCHAR', description: null },
      { column: 'amount_paid', data_type: 'BIGINT', description: null },
      { column: 'currency', data_type: 'VARCHAR', description: null },
    ]);
    expect(await warehouse.all(`select "column", data_type, description from meta.column_docs where model = 'fx_rates' order by position`)).toEqual([
      { column: 'currency', data_type: 'VARCHAR', description: 'ISO code, lower case.' },
      { column: 'rate', data_type: 'DECIMAL(12,6)', description: 'Units of reporting currency per unit.' },
    ]);
    await warehouse.close();
  });

  it('rewrites the docs on each build, for all models even when only some are selected', async () => {
    const dir = copyFixture('shop');
    const warehouse = await openWarehouse(dir);
    await loadShopRaw(warehouse, shopData);
    await buildProject({ warehouse, projectDir: dir, vars: fixedVars });
    writeFiles(dir, {
      'models/intermediate/_int.yml': 'models:\n  - name: int_customer_revenue\n    description: Paid amounts per customer and currency.\n    columns:\n      - name: amount_paid\n        description: Minor units.\n',
    });
    await buildProject({ warehouse, projectDir: dir, vars: fixedVars, select: ['stg_stripe__customers'] });
    expect(await warehouse.one('select count(*) as n from meta.model_docs')).toEqual({ n: 5 });
    expect(await warehouse.one('select count(*) as n from meta.column_docs')).toEqual({ n: 21 });
    expect(await warehouse.one(`select description from meta.model_docs where model = 'int_customer_revenue'`)).toEqual({ description: 'Paid amounts per customer and currency.' });
    expect(await warehouse.one(`select description from meta.column_docs where model = 'int_customer_revenue' and "column" = 'amount_paid'`)).toEqual({ description: 'Minor units.' });
    await warehouse.close();
  });
});
