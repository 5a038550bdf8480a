import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillEmptySources } from '../../reports/emptySources.js';

let template: string;
beforeAll(() => {
  template = mkdtempSync(join(tmpdir(), 'tributary-template-'));
});
afterAll(() => rmSync(template, { recursive: true, force: true }));

describe('source queries that return no rows', () => {
  it('get a zero-row parquet file with the columns and types Evidence recorded, and full ones are left alone', async () => {
    // The layout `evidence sources` leaves behind: a manifest naming both tables, a schema for each, a parquet only for the one with rows.
    const data = join(template, 'static', 'data', 'warehouse');
    mkdirSync(join(data, 'crm_activities'), { recursive: true });
    mkdirSync(join(data, 'customers'), { recursive: true });
    writeFileSync(
      join(template, 'static', 'data', 'manifest.json'),
      JSON.stringify({ renderedFiles: { warehouse: ['static/data/warehouse/crm_activities/crm_activities.parquet', 'static/data/warehouse/customers/customers.parquet'] } }),
    );
    writeFileSync(
      join(data, 'crm_activities', 'crm_activities.schema.json'),
      JSON.stringify([
        { name: 'customer_id', evidenceType: 'string' },
        { name: 'occurred_at', evidenceType: 'date' },
        { name: 'amount', evidenceType: 'number' },
        { name: 'done', evidenceType: 'boolean' },
      ]),
    );
    writeFileSync(join(data, 'customers', 'customers.schema.json'), JSON.stringify([{ name: 'customer_id', evidenceType: 'string' }]));
    writeFileSync(join(data, 'customers', 'customers.parquet'), 'not touched');

    expect(await fillEmptySources(template)).toEqual(['warehouse.crm_activities']);

    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const parquet = join(data, 'crm_activities', 'crm_activities.parquet');
    const described = (await connection.runAndReadAll(`describe select * from '${parquet}'`)).getRowObjectsJS();
    expect(described.map((row) => `${row['column_name']} ${row['column_type']}`)).toEqual(['customer_id VARCHAR', 'occurred_at TIMESTAMP', 'amount DOUBLE', 'done BOOLEAN']);
    expect((await connection.runAndReadAll(`select count(*)::integer as n from '${parquet}'`)).getRowObjectsJS()).toEqual([{ n: 0 }]);
    connection.closeSync();
    instance.closeSync();
    expect(statSync(join(data, 'customers', 'customers.parquet')).size).toBe('not touched'.length);
    // Nothing left to fill the second time.
    expect(await fillEmptySources(template)).toEqual([]);
  });
});
