import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXTRACT_MEMORY_HEADROOM, withMemoryHeadroom } from '../../extract/stripe/bulkSettings.js';
import { Warehouse } from '../../warehouse/warehouse.js';

let dir: string;
let warehouse: Warehouse;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-headroom-'));
  const roomy = await Warehouse.open({ path: join(dir, 'w.duckdb') });
  // 4,096 documents of ~8 KB: parsing a vector of 2,048 of them at once needs more than 12 MB.
  await roomy.run(`create table docs as select i as id, json_object('created', i, 'text', repeat('x', 8000)) as data from range(4096) t(i)`);
  await roomy.close();
  warehouse = await Warehouse.open({ path: join(dir, 'w.duckdb'), memoryLimit: '12MB', threads: 1 });
});
afterEach(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

const memoryLimit = async (): Promise<string> => (await warehouse.all<{ value: string }>(`select value from duckdb_settings() where name = 'memory_limit'`))[0]!.value;
const parseAll = () => warehouse.transaction((tx) => tx.all<{ n: number }>(`select count(*)::integer as n from docs where (data->>'created')::integer >= 0`));

describe('memory headroom', () => {
  it('a step that runs out of memory under the cap runs once more with more, says so, and the cap comes back', async () => {
    const before = await memoryLimit();
    await expect(parseAll()).rejects.toThrow(/Out of Memory/);
    const notices: string[] = [];
    const rows = await withMemoryHeadroom(warehouse, 'Parsing the documents', parseAll, (message) => notices.push(message));
    expect(rows).toEqual([{ n: 4096 }]);
    expect(notices).toEqual([`Parsing the documents needed more than DuckDB's 12MB memory; retried with ${EXTRACT_MEMORY_HEADROOM}.`]);
    expect(await memoryLimit()).toBe(before);
  });

  it('other failures are not retried', async () => {
    let attempts = 0;
    const failing = async () => {
      attempts++;
      await warehouse.run('select * from no_such_table');
    };
    await expect(withMemoryHeadroom(warehouse, 'A typo', failing, () => undefined)).rejects.toThrow(/no_such_table/);
    expect(attempts).toBe(1);
  });

  it('a warehouse opened without a cap is not given one: its out-of-memory error stands', async () => {
    await warehouse.close();
    warehouse = await Warehouse.open({ path: join(dir, 'w.duckdb') });
    // Capped by hand, not by how it was opened: there is no cap of its own to come back to.
    await warehouse.run(`set global memory_limit = '12MB'`);
    const notices: string[] = [];
    await expect(withMemoryHeadroom(warehouse, 'Parsing the documents', parseAll, (message) => notices.push(message))).rejects.toThrow(/Out of Memory/);
    expect(notices).toEqual([]);
  });
});
