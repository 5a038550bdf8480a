import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { Warehouse } from '../../warehouse/warehouse.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-wh-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('warehouse', () => {
  it('creates the schemas and bookkeeping tables in a new file', async () => {
    const warehouse = await Warehouse.open({ path: join(dir, 'w.duckdb') });
    const schemas = await warehouse.all<{ schema_name: string }>(
      `select schema_name from information_schema.schemata where catalog_name = current_database() order by 1`,
    );
    expect(schemas.map((s) => s.schema_name)).toEqual(expect.arrayContaining(['meta', 'raw_crm', 'raw_stripe']));
    const tables = await warehouse.all<{ t: string }>(`select table_name as t from information_schema.tables where table_schema = 'meta' order by 1`);
    expect(tables.map((t) => t.t)).toEqual(expect.arrayContaining(['migrations', 'runs', 'sync_state', 'sync_windows']));
    await warehouse.close();
  });

  it('reopens an existing file without reapplying migrations', async () => {
    const path = join(dir, 'w.duckdb');
    await (await Warehouse.open({ path })).close();
    const again = await Warehouse.open({ path });
    const rows = await again.all<{ n: number }>('select count(*) as n from meta.migrations');
    expect(rows[0]!.n).toBeGreaterThanOrEqual(3);
    await again.close();
  });

  it('reads and writes typed tables through Kysely, with dates and counts as JS values', async () => {
    const warehouse = await Warehouse.open({ path: join(dir, 'w.duckdb') });
    const started = new Date('2026-01-02T03:04:05.000Z');
    await warehouse.db
      .insertInto('meta.runs')
      .values({ run_id: 'r1', command: 'extract', started_at: started, ended_at: null, status: 'running', counts: JSON.stringify({ customers: 3 }), error: null, pid: 42 })
      .execute();
    const updated = await warehouse.db.updateTable('meta.runs').set({ status: 'ok' }).where('run_id', '=', 'r1').executeTakeFirst();
    expect(updated.numUpdatedRows).toBe(1n);
    const row = await warehouse.db.selectFrom('meta.runs').selectAll().where('started_at', '=', started).executeTakeFirstOrThrow();
    expect(row.status).toBe('ok');
    expect(row.pid).toBe(42);
    expect(row.started_at).toEqual(started);
    const count = await warehouse.db.selectFrom('meta.runs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
    await warehouse.close();
  });

  it('streams a Kysely query in chunks, every row once and converted like a plain query', async () => {
    const warehouse = await Warehouse.open({ path: join(dir, 'w.duckdb') });
    try {
      const rows: { n: number; at: Date }[] = [];
      const query = warehouse.db
        .selectFrom(sql<{ n: number; at: Date }>`(select i::integer as n, timestamptz '2026-01-01 00:00:00+00' + to_days(i::integer) as at from range(5000) t(i))`.as('r'))
        .select(['n', 'at'])
        .orderBy('n');
      for await (const row of query.stream(1000)) rows.push(row);
      expect(rows.length).toBe(5000);
      expect(rows[4999]).toEqual({ n: 4999, at: new Date(Date.UTC(2026, 0, 1) + 4999 * 86_400_000) });
    } finally {
      await warehouse.close();
    }
  });

  it('bulk-loads with the appender inside a transaction, and a rollback discards the rows', async () => {
    const warehouse = await Warehouse.open({ path: join(dir, 'w.duckdb') });
    await warehouse.run('create table raw_stripe.things (id varchar, data json, n bigint)');
    const columns = [
      { name: 'id', type: 'varchar' },
      { name: 'data', type: 'json' },
      { name: 'n', type: 'bigint' },
    ] as const;
    await expect(
      warehouse.transaction(async (tx) => {
        await tx.append({ schema: 'raw_stripe', table: 'things' }, columns, [['a', { x: 1 }, 1]]);
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    expect((await warehouse.one<{ n: number }>('select count(*) as n from raw_stripe.things'))!.n).toBe(0);

    const rows = Array.from({ length: 5000 }, (_, i) => [`id_${i}`, { i }, i] as const);
    await warehouse.transaction((tx) => tx.append({ schema: 'raw_stripe', table: 'things' }, columns, rows));
    const summary = await warehouse.one<{ n: number; total: number; last: string }>(
      `select count(*) as n, sum(n) as total, max(data->>'i') filter (where id = 'id_4999') as last from raw_stripe.things`,
    );
    expect(summary).toEqual({ n: 5000, total: (4999 * 5000) / 2, last: '4999' });
    await warehouse.close();
  });

  it('says what to do when the write-ahead log beside the file belongs to another file', async () => {
    const { copyFileSync, renameSync } = await import('node:fs');
    // A file whose last writes are still in its WAL (a checkpoint would fold them in; this one is never taken).
    const source = join(dir, 'source.duckdb');
    const writer = await Warehouse.open({ path: source });
    await writer.run(`set checkpoint_threshold = '1TB'`);
    await writer.run(`create table raw_stripe.things as select range as n from range(100)`);
    copyFileSync(`${source}.wal`, join(dir, 'orphan.wal'));
    await writer.close();
    // Another warehouse, given that WAL as if it were its own.
    const path = join(dir, 'w.duckdb');
    const fresh = await Warehouse.open({ path });
    const migrations = await fresh.all<{ n: number }>('select count(*) as n from meta.migrations');
    await fresh.close();
    copyFileSync(join(dir, 'orphan.wal'), `${path}.wal`);
    const error = await Warehouse.open({ path }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toContain(`${path}.wal`);
    expect(error?.message).toContain('move');
    // The advice works: with the WAL moved aside the file opens as it was.
    renameSync(`${path}.wal`, join(dir, 'aside.wal'));
    const reopened = await Warehouse.open({ path });
    expect(await reopened.all<{ n: number }>('select count(*) as n from meta.migrations')).toEqual(migrations);
    expect(migrations[0]!.n).toBeGreaterThan(0);
    await reopened.close();
  });

  it('names the file when another process holds it', async () => {
    const path = join(dir, 'w.duckdb');
    const { spawnSync } = await import('node:child_process');
    const holder = await Warehouse.open({ path });
    const script = `import { Warehouse } from ${JSON.stringify(join(process.cwd(), 'warehouse/warehouse.ts'))};
      try { await Warehouse.open({ path: ${JSON.stringify(path)} }); console.log('opened'); }
      catch (e) { console.log(e.message); }`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stdout).toContain(path);
    expect(child.stdout).toContain('another process');
    await holder.close();
  });
});
