import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildProject } from '../../transform/build.js';
import { openPublishedCopy, publishedPathFor, publishWarehouse } from '../../warehouse/publish.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { copyFixture, fixedVars, loadShopRaw, moduleUrl, openWarehouse, removeTempDirs, shopData, startHolder, stopHolder, warehousePath } from './support.js';

afterEach(removeTempDirs);

/** Bob pays 5.00 USD: the next build's customers differ from the first. */
const bobPays = { ...shopData, invoices: [...shopData.invoices, { id: 'in_4', customer: 'cus_bob', status: 'paid', amount_paid: 500, currency: 'usd' }] };

async function builtShop(): Promise<{ dir: string; warehouse: Warehouse }> {
  const dir = copyFixture('shop');
  const warehouse = await openWarehouse(dir);
  await loadShopRaw(warehouse, shopData);
  await buildProject({ warehouse, projectDir: dir, vars: fixedVars });
  return { dir, warehouse };
}

async function publishedRevenue(dir: string): Promise<number> {
  const copy = await openPublishedCopy(warehousePath(dir));
  try {
    return (await copy.one<{ total: number }>('select sum(revenue)::double as total from marts.customers'))!.total;
  } finally {
    await copy.close();
  }
}

const temporaries = (dir: string) => readdirSync(dirname(warehousePath(dir))).filter((name) => name.endsWith('.tmp') || name.endsWith('.tmp.wal'));

describe('the published copy', () => {
  it('names the copy after the warehouse', () => {
    expect(publishedPathFor('data/warehouse.duckdb')).toBe('data/warehouse.published.duckdb');
    expect(publishedPathFor('/x/prod.duckdb')).toBe('/x/prod.published.duckdb');
    expect(publishedPathFor('/x/warehouse')).toBe('/x/warehouse.published.duckdb');
  });

  it('holds every table of marts and meta, views materialized, and nothing else', async () => {
    const { dir, warehouse } = await builtShop();
    await warehouse.run(`create view marts.customer_emails as select email from marts.customers`);
    const result = await publishWarehouse(warehouse);
    expect(result.path).toBe(publishedPathFor(warehousePath(dir)));
    const metaTables = (await warehouse.all<{ name: string }>(`select table_name as name from information_schema.tables where table_schema = 'meta' order by 1`)).map((t) => `meta.${t.name}`);
    expect(result.tables).toEqual(['marts.customer_emails', 'marts.customers', ...metaTables]);
    expect(metaTables).toEqual(expect.arrayContaining(['meta.column_docs', 'meta.model_builds', 'meta.model_docs', 'meta.runs']));
    await warehouse.close();

    const copy = await openPublishedCopy(warehousePath(dir));
    expect(await copy.all(`select table_schema || '.' || table_name as name, table_type as kind from information_schema.tables order by 1`)).toEqual(
      result.tables.map((name) => ({ name, kind: 'BASE TABLE' })),
    );
    expect(await copy.all('select email from marts.customer_emails order by 1')).toEqual([{ email: 'ann@example.com' }, { email: 'bob@example.com' }]);
    expect(await copy.one(`select count(*) as n from meta.model_builds`)).toEqual({ n: 5 });
    expect(temporaries(dir)).toEqual([]);
    await copy.close();
  });

  it('lets a reader process keep the copy open while a build publishes; it sees the old build, a new reader the new one', async () => {
    const { dir, warehouse } = await builtShop();
    const reader = await startHolder(
      `
      import { createInterface } from 'node:readline';
      const { openPublishedCopy } = await import(${JSON.stringify(moduleUrl('warehouse/publish.ts'))});
      const copy = await openPublishedCopy(${JSON.stringify(warehousePath(dir))});
      const total = async () => (await copy.one('select sum(revenue)::double as total from marts.customers')).total;
      console.log('ready');
      console.log(await total());
      for await (const line of createInterface({ input: process.stdin })) console.log(await total());
      `,
      dir,
    );
    try {
      expect(await reader.nextLine()).toBe('32');
      await loadShopRaw(warehouse, bobPays);
      const rebuilt = await buildProject({ warehouse, projectDir: dir, vars: fixedVars });
      expect(rebuilt.publishedPath).toBe(publishedPathFor(warehousePath(dir)));
      reader.child.stdin!.write('again\n');
      // The open copy is the old file, whole: the old build's 32.00, not a mix.
      expect(await reader.nextLine()).toBe('32');
      expect(await publishedRevenue(dir)).toBe(37);
    } finally {
      await stopHolder(reader.child);
      await warehouse.close();
    }
  });

  it('leaves the previous copy intact when the publishing process dies halfway, and the next publish cleans up', async () => {
    const { dir, warehouse } = await builtShop();
    await loadShopRaw(warehouse, bobPays);
    await buildProject({ warehouse, projectDir: dir, vars: fixedVars, publish: false });
    await warehouse.close();
    expect(await publishedRevenue(dir)).toBe(32);

    const publisher = await startHolder(
      `
      const { Warehouse } = await import(${JSON.stringify(moduleUrl('warehouse/warehouse.ts'))});
      const { publishWarehouse } = await import(${JSON.stringify(moduleUrl('warehouse/publish.ts'))});
      const warehouse = await Warehouse.open({ path: ${JSON.stringify(warehousePath(dir))} });
      console.log('ready');
      await publishWarehouse(warehouse, { onTable: () => process.kill(process.pid, 'SIGKILL') });
      console.log('not killed');
      `,
      dir,
    );
    const [code, signal] = (await once(publisher.child, 'exit')) as [number | null, string | null];
    expect([code, signal]).toEqual([null, 'SIGKILL']);
    expect(temporaries(dir).length).toBeGreaterThan(0);
    expect(await publishedRevenue(dir)).toBe(32);

    const again = await openWarehouse(dir);
    await publishWarehouse(again);
    await again.close();
    expect(await publishedRevenue(dir)).toBe(37);
    expect(temporaries(dir)).toEqual([]);
  });

  it('says how to get a copy when none has been published', async () => {
    const dir = copyFixture('shop');
    await expect(openPublishedCopy(warehousePath(dir))).rejects.toThrow(
      'No build has been published yet: run `tributary build` (or `tributary refresh --demo`).',
    );
    expect(existsSync(publishedPathFor(warehousePath(dir)))).toBe(false);
  });
});
