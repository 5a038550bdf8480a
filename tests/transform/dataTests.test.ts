import { afterEach, describe, expect, it } from 'vitest';
import { buildProject, testProject } from '../../transform/build.js';
import { DataTestsFailed, type TestResult } from '../../transform/dataTests.js';
import { ExactNumber } from '../../transform/plainRows.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { fixedVars, openWarehouse, removeTempDirs, tempDir, writeFiles } from './support.js';

afterEach(removeTempDirs);

const passingOrders = 'order_id,customer_id,status,amount\no1,c1,paid,10\no2,c2,open,5\n';
// o1 twice, a NULL order id, two 'void' statuses, an unknown customer c9, a negative amount.
const failingOrders = 'order_id,customer_id,status,amount\no1,c1,paid,10\no1,c1,paid,10\n,c2,void,5\no3,c9,void,-1\n';

const column = (name: string, tests = '') => `      - name: ${name}\n        description: The ${name}.\n${tests}`;

/** Two marts over two seeds, with every generic test kind, a model-level test and a singular test. */
function ordersProject(orders = passingOrders): string {
  const dir = tempDir();
  writeFiles(dir, {
    'seeds/customers_raw.csv': 'id,name\nc1,Ann\nc2,Bob\n',
    'seeds/orders_raw.csv': orders,
    'models/marts/customers.sql': "select id as customer_id, name from {{ ref('customers_raw') }}",
    'models/marts/orders.sql': "select * from {{ ref('orders_raw') }}",
    'models/tests/amount_positive.sql': "-- every order is for a positive amount\nselect order_id, amount from {{ ref('orders') }} where amount <= 0;\n",
    'models/marts/_marts.yml': [
      'models:',
      '  - name: customers',
      '    description: Customers.',
      '    columns:',
      column('customer_id', '        tests: [unique, not_null]\n') + column('name'),
      '  - name: orders',
      '    description: Orders.',
      '    data_tests:',
      `      - unique: { column_name: "order_id || '-' || status" }`,
      '    columns:',
      column('order_id', '        tests:\n          - unique\n          - not_null\n') +
        column('customer_id', "        tests:\n          - relationships:\n              to: ref('customers')\n              field: customer_id\n") +
        column('status', '        data_tests:\n          - accepted_values:\n              values: [paid, open]\n') +
        column('amount'),
    ].join('\n'),
  });
  return dir;
}

const run = (warehouse: Warehouse, projectDir: string) => buildProject({ warehouse, projectDir, vars: fixedVars });
const summary = (results: readonly TestResult[]) => results.map((r) => [r.name, r.status, r.failures]);

async function rejection(promise: Promise<unknown>): Promise<DataTestsFailed> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DataTestsFailed);
    return error as DataTestsFailed;
  }
  throw new Error('expected the data tests to fail');
}

describe('data tests', () => {
  it('passes every kind of test on good data', async () => {
    const dir = ordersProject();
    const warehouse = await openWarehouse(dir);
    const result = await run(warehouse, dir);
    expect(summary(result.tests)).toEqual([
      ['unique(customers.customer_id)', 'pass', 0],
      ['not_null(customers.customer_id)', 'pass', 0],
      [`unique(orders.order_id || '-' || status)`, 'pass', 0],
      ['unique(orders.order_id)', 'pass', 0],
      ['not_null(orders.order_id)', 'pass', 0],
      ['relationships(orders.customer_id -> customers.customer_id)', 'pass', 0],
      ['accepted_values(orders.status)', 'pass', 0],
      ['models/tests/amount_positive.sql', 'pass', 0],
      ['described(customers)', 'pass', 0],
      ['described(orders)', 'pass', 0],
    ]);
    await warehouse.close();
  });

  it('fails each kind on purpose, shows the failing rows, and rolls the whole build back', async () => {
    const dir = ordersProject();
    const warehouse = await openWarehouse(dir);
    await run(warehouse, dir);
    writeFiles(dir, { 'seeds/orders_raw.csv': failingOrders });
    const seen: TestResult[] = [];
    const error = await rejection(buildProject({ warehouse, projectDir: dir, vars: fixedVars, onTest: (test) => seen.push(test) }));
    expect(error.message).toBe(
      '6 data tests failed (unique(orders.order_id || \'-\' || status), unique(orders.order_id), not_null(orders.order_id) and 3 more); the build was rolled back and the previous tables are unchanged.',
    );
    expect(summary(seen)).toEqual([
      ['unique(customers.customer_id)', 'pass', 0],
      ['not_null(customers.customer_id)', 'pass', 0],
      [`unique(orders.order_id || '-' || status)`, 'fail', 1],
      ['unique(orders.order_id)', 'fail', 1],
      ['not_null(orders.order_id)', 'fail', 1],
      ['relationships(orders.customer_id -> customers.customer_id)', 'fail', 1],
      ['accepted_values(orders.status)', 'fail', 1],
      ['models/tests/amount_positive.sql', 'fail', 1],
      ['described(customers)', 'pass', 0],
      ['described(orders)', 'pass', 0],
    ]);
    const rows = Object.fromEntries(seen.map((test) => [test.name, test.rows]));
    expect(rows[`unique(orders.order_id || '-' || status)`]).toEqual([{ value: 'o1-paid', occurrences: 2 }]);
    expect(rows['unique(orders.order_id)']).toEqual([{ value: 'o1', occurrences: 2 }]);
    expect(rows['not_null(orders.order_id)']).toEqual([{ order_id: null, customer_id: 'c2', status: 'void', amount: 5 }]);
    expect(rows['relationships(orders.customer_id -> customers.customer_id)']).toEqual([{ value: 'c9', occurrences: 1 }]);
    expect(rows['accepted_values(orders.status)']).toEqual([{ value: 'void', occurrences: 2 }]);
    expect(rows['models/tests/amount_positive.sql']).toEqual([{ order_id: 'o3', amount: -1 }]);
    const failed = seen.find((test) => test.name === 'not_null(orders.order_id)')!;
    expect(failed).toMatchObject({ kind: 'not_null', model: 'orders', column: 'order_id', file: 'models/marts/_marts.yml', columns: ['order_id', 'customer_id', 'status', 'amount'] });
    // The seed and the mart rebuilt inside the transaction are back to the passing build.
    expect(await warehouse.all('select order_id, status from marts.orders order by 1')).toEqual([
      { order_id: 'o1', status: 'paid' },
      { order_id: 'o2', status: 'open' },
    ]);
    expect(await warehouse.one('select count(*) as n from seeds.orders_raw')).toEqual({ n: 2 });
    expect(await warehouse.one(`select status, error from meta.runs order by started_at desc limit 1`)).toEqual({ status: 'failed', error: error.message });
    await warehouse.close();
  });

  it('shows at most five failing rows but counts them all', async () => {
    const dir = ordersProject();
    writeFiles(dir, { 'seeds/orders_raw.csv': 'order_id,customer_id,status,amount\n' + Array.from({ length: 8 }, (_, i) => `o${i},c1,void,${i + 1}`).join('\n') + '\n' });
    const warehouse = await openWarehouse(dir);
    const error = await rejection(run(warehouse, dir));
    expect(error.failed.map((test) => [test.name, test.failures, test.rows.length])).toEqual([['accepted_values(orders.status)', 1, 1]]);
    writeFiles(dir, { 'models/tests/amount_positive.sql': "select order_id from {{ ref('orders') }} where status = 'void'" });
    const again = await rejection(run(warehouse, dir));
    const singular = again.failed.find((test) => test.kind === 'singular')!;
    expect(singular.failures).toBe(8);
    expect(singular.rows).toHaveLength(5);
    await warehouse.close();
  });

  it('keeps exact decimals in failing rows', async () => {
    const dir = ordersProject();
    writeFiles(dir, { 'models/tests/amount_positive.sql': 'select 12.34::decimal(18, 2) as amount' });
    const warehouse = await openWarehouse(dir);
    const error = await rejection(run(warehouse, dir));
    expect(error.failed[0]!.rows).toEqual([{ amount: new ExactNumber('12.34') }]);
    await warehouse.close();
  });

  it('counts a test whose SQL errors as failed, and runs the rest when the transaction survives', async () => {
    const dir = ordersProject();
    writeFiles(dir, { 'models/tests/amount_positive.sql': "select no_such_column from {{ ref('orders') }}" });
    const warehouse = await openWarehouse(dir);
    const error = await rejection(run(warehouse, dir));
    expect(error.failed).toHaveLength(1);
    expect(error.failed[0]).toMatchObject({ name: 'models/tests/amount_positive.sql', status: 'error' });
    expect(error.failed[0]!.error).toMatch(/^Binder Error: .*no_such_column/);
    expect(await warehouse.one(`select count(*) as n from information_schema.tables where table_schema = 'marts'`)).toEqual({ n: 0 });
    await warehouse.close();
  });

  it('marks the tests after an error that aborted the transaction as not run', async () => {
    const dir = ordersProject();
    writeFiles(dir, { 'models/tests/bad_cast.sql': "select * from (values ('x')) as t(v) where cast(v as integer) > 0" });
    const warehouse = await openWarehouse(dir);
    const error = await rejection(run(warehouse, dir));
    expect(error.failed.map((test) => [test.name, test.status])).toEqual([
      ['models/tests/bad_cast.sql', 'error'],
      ['described(customers)', 'error'],
      ['described(orders)', 'error'],
    ]);
    expect(error.failed[0]!.error).toMatch(/^Conversion Error: /);
    expect(error.failed[1]!.error).toBe('not run: an earlier test error (models/tests/bad_cast.sql) aborted the transaction');
    await warehouse.close();
  });

  it('fails the mart docs check for an undescribed mart column, and warns about columns the YAML invents', async () => {
    const dir = ordersProject();
    writeFiles(dir, {
      'models/marts/_marts.yml': [
        'models:',
        '  - name: customers',
        '    columns:',
        '      - name: customer_id',
        '        description: The id.',
        '      - name: nickname',
        '        description: Not a column of customers.',
        '  - name: orders',
        '    description: Orders.',
        '    columns:',
        ...['order_id', 'customer_id', 'status', 'amount'].map((name) => `      - name: ${name}\n        description: The ${name}.`),
      ].join('\n'),
    });
    const warehouse = await openWarehouse(dir);
    const warnings: string[] = [];
    const error = await rejection(buildProject({ warehouse, projectDir: dir, vars: fixedVars, onWarning: (w) => warnings.push(w) }));
    expect(warnings).toEqual([
      'models/marts/_marts.yml documents a column customers.nickname that marts.customers does not have.',
      'Mart marts.customers: the model has no description in YAML.',
      'Mart marts.customers: column name has no description in YAML.',
    ]);
    expect(error.failed.map((test) => [test.name, test.kind, test.file])).toEqual([['described(customers)', 'described', 'models/marts/_marts.yml']]);
    expect(error.failed[0]!.rows).toEqual([
      { column: null, problem: 'the model has no description in YAML' },
      { column: 'name', problem: 'column name has no description in YAML' },
    ]);
    await warehouse.close();
  });
});

describe('testProject', () => {
  it('runs the tests against the tables as they are, records the run, and fails when the data changed', async () => {
    const dir = ordersProject();
    const warehouse = await openWarehouse(dir);
    await run(warehouse, dir);
    const passed = await testProject({ warehouse, projectDir: dir, vars: fixedVars });
    expect(passed.tests).toHaveLength(10);
    expect(passed.tests.every((test) => test.status === 'pass')).toBe(true);
    await warehouse.run(`update marts.orders set status = 'refunded' where order_id = 'o2'`);
    const error = await rejection(testProject({ warehouse, projectDir: dir, vars: fixedVars }));
    expect(error.message).toBe('1 data test failed (accepted_values(orders.status)).');
    expect(error.failed[0]!.rows).toEqual([{ value: 'refunded', occurrences: 1 }]);
    expect(await warehouse.all(`select command, status from meta.runs where command = 'test' order by started_at`)).toEqual([
      { command: 'test', status: 'ok' },
      { command: 'test', status: 'failed' },
    ]);
    // testProject changes no table.
    expect(await warehouse.one(`select status from marts.orders where order_id = 'o2'`)).toEqual({ status: 'refunded' });
    const onlyCustomers = await testProject({ warehouse, projectDir: dir, vars: fixedVars, select: ['customers'] });
    expect(onlyCustomers.tests.map((test) => test.name)).toEqual(['unique(customers.customer_id)', 'not_null(customers.customer_id)', 'described(customers)']);
    await warehouse.close();
  });
});
