import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Warehouse } from '../../warehouse/warehouse.js';

/**
 * The runner's atomicity rests on DuckDB rolling back DDL: these pin down that
 * `create or replace table`, `create or replace view` and switching a relation
 * between table and view all vanish on rollback, and stay invisible to other
 * connections until commit.
 */
let dir: string;
let warehouse: Warehouse;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-tx-'));
  warehouse = await Warehouse.open({ path: join(dir, 'w.duckdb') });
  await warehouse.run(`
    create schema marts;
    create table marts.orders as select * from (values (1, 'a'), (2, 'b'), (3, 'c')) t(id, code);
    create view marts.order_codes as select code from marts.orders;
    create table marts.kept as select 42 as answer;
  `);
});
afterEach(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

async function snapshot(session: Warehouse) {
  return {
    orders: await session.all('select id, code from marts.orders order by id'),
    codes: await session.all('select * from marts.order_codes order by 1'),
    kept: await session.all('select * from marts.kept'),
    kinds: await session.all(
      `select table_name as name, table_type as kind from information_schema.tables where table_schema = 'marts' order by 1`,
    ),
  };
}

describe('DuckDB DDL inside one transaction', () => {
  it('rolls back create or replace table/view and table<->view switches, leaving every old table, view and row', async () => {
    const before = await snapshot(warehouse);
    expect(before.orders).toEqual([
      { id: 1, code: 'a' },
      { id: 2, code: 'b' },
      { id: 3, code: 'c' },
    ]);
    await expect(
      warehouse.transaction(async (tx) => {
        await tx.run('create or replace table marts.orders as select 9 as id, \'z\' as code');
        await tx.run('create or replace view marts.order_codes as select upper(code) as code from marts.orders');
        await tx.run('drop table marts.kept');
        await tx.run('create view marts.kept as select 0 as answer');
        // Inside the transaction the new state is what the build sees.
        expect(await tx.all('select * from marts.order_codes')).toEqual([{ code: 'Z' }]);
        expect(await tx.all('select * from marts.kept')).toEqual([{ answer: 0 }]);
        // Another connection of the same process still sees the old state.
        expect(await warehouse.all('select count(*) as n from marts.orders')).toEqual([{ n: 3 }]);
        expect(await warehouse.all('select * from marts.kept')).toEqual([{ answer: 42 }]);
        throw new Error('a model failed');
      }),
    ).rejects.toThrow('a model failed');
    expect(await snapshot(warehouse)).toEqual(before);
    expect(before.kinds).toEqual([
      { name: 'kept', kind: 'BASE TABLE' },
      { name: 'order_codes', kind: 'VIEW' },
      { name: 'orders', kind: 'BASE TABLE' },
    ]);
  });

  it('makes the whole new state visible at once on commit, and it survives a reopen', async () => {
    await warehouse.transaction(async (tx) => {
      await tx.run('create or replace table marts.orders as select * from (values (7, \'q\')) t(id, code)');
      await tx.run('drop view marts.order_codes');
      await tx.run('create table marts.order_codes as select code from marts.orders');
    });
    await warehouse.close();
    warehouse = await Warehouse.open({ path: join(dir, 'w.duckdb') });
    const after = await snapshot(warehouse);
    expect(after.orders).toEqual([{ id: 7, code: 'q' }]);
    expect(after.codes).toEqual([{ code: 'q' }]);
    expect(after.kinds).toEqual([
      { name: 'kept', kind: 'BASE TABLE' },
      { name: 'order_codes', kind: 'BASE TABLE' },
      { name: 'orders', kind: 'BASE TABLE' },
    ]);
  });

  it('rolls back after a statement error inside the transaction', async () => {
    await expect(
      warehouse.transaction(async (tx) => {
        await tx.run('create or replace table marts.orders as select 1 as id, \'x\' as code');
        await tx.run('select cast(\'not a number\' as integer)');
      }),
    ).rejects.toThrow(/Conversion Error/);
    expect(await warehouse.all('select count(*) as n from marts.orders')).toEqual([{ n: 3 }]);
  });
});
