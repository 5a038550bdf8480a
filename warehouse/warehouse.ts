import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Kysely } from 'kysely';
import { WorkError } from '../errors/index.js';
import { appendRows, type BulkColumn } from './bulkLoad.js';
import { DuckDBDialect } from './dialect/duckdbDialect.js';
import { fromDuckDBRow, toDuckDBParameters } from './dialect/duckdbValues.js';
import { migrations } from './migrations.js';
import type { WarehouseSchema } from './schema.js';

export interface OpenWarehouseOptions {
  readonly path: string;
  readonly readOnly?: boolean;
  /** DuckDB's memory_limit, e.g. '2GB'; DuckDB's own default otherwise. */
  readonly memoryLimit?: string;
  readonly threads?: number;
}

/** Statements and reads on one connection: the shape shared by the warehouse and a transaction in it. */
export class SqlSession {
  constructor(readonly connection: DuckDBConnection) {}

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const { values, types } = toDuckDBParameters(params);
    const result = await this.connection.run(sql, values, types);
    return result.rowsChanged;
  }

  async all<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const { values, types } = toDuckDBParameters(params);
    const reader = await this.connection.runAndReadAll(sql, values, types);
    return reader.getRowObjectsJS().map((row) => fromDuckDBRow(row) as T);
  }

  async one<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  append(target: { schema?: string; table: string }, columns: readonly BulkColumn[], rows: Iterable<readonly unknown[]>): Promise<number> {
    return appendRows(this.connection, target, columns, rows);
  }
}

export interface WarehouseTransaction extends SqlSession {
  /** Kysely over the transaction's own connection. */
  readonly db: Kysely<WarehouseSchema>;
}

/**
 * The warehouse: one DuckDB file. DuckDB lets a single process write a file,
 * so writers open it for the length of their work and readers use the
 * published copy (see publish.ts).
 */
export class Warehouse extends SqlSession {
  readonly db: Kysely<WarehouseSchema>;
  private transactionQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    readonly instance: DuckDBInstance,
    connection: DuckDBConnection,
    readonly readOnly: boolean,
    /** The memory_limit it was opened with, as given (DuckDB shows it back rounded). */
    readonly memoryLimit: string | undefined,
  ) {
    super(connection);
    this.db = new Kysely<WarehouseSchema>({ dialect: new DuckDBDialect({ instance }) });
  }

  static async open(options: OpenWarehouseOptions): Promise<Warehouse> {
    if (!options.readOnly && options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    const config: Record<string, string> = {
      // Nothing may try the network: extensions ship inside the client.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'true',
    };
    if (options.readOnly) config['access_mode'] = 'READ_ONLY';
    if (options.memoryLimit) config['memory_limit'] = options.memoryLimit;
    if (options.threads) config['threads'] = String(options.threads);
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(options.path, config);
    } catch (error) {
      throw new WorkError(describeOpenError(options.path, error), { cause: error });
    }
    const warehouse = new Warehouse(options.path, instance, await instance.connect(), Boolean(options.readOnly), options.memoryLimit);
    if (!options.readOnly) await warehouse.migrate();
    return warehouse;
  }

  /**
   * Runs fn in one transaction on a connection of its own; transactions of
   * this process run one after another, so a rollback never takes a
   * concurrent caller's work with it.
   */
  async transaction<T>(fn: (tx: WarehouseTransaction) => Promise<T>): Promise<T> {
    const previous = this.transactionQueue;
    let done!: () => void;
    this.transactionQueue = new Promise<void>((resolve) => (done = resolve));
    await previous.catch(() => undefined);
    const connection = await this.instance.connect();
    const session = new SqlSession(connection) as SqlSession & { db: Kysely<WarehouseSchema> };
    const db = new Kysely<WarehouseSchema>({ dialect: new DuckDBDialect({ connection }) });
    Object.defineProperty(session, 'db', { value: db });
    try {
      await connection.run('begin transaction');
      try {
        const result = await fn(session);
        await connection.run('commit');
        return result;
      } catch (error) {
        await connection.run('rollback').catch(() => undefined);
        throw error;
      }
    } finally {
      await db.destroy();
      connection.closeSync();
      done();
    }
  }

  async checkpoint(): Promise<void> {
    await this.run('checkpoint');
  }

  async close(): Promise<void> {
    await this.transactionQueue.catch(() => undefined);
    await this.db.destroy();
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private async migrate(): Promise<void> {
    await this.run('create schema if not exists meta');
    await this.run('create table if not exists meta.migrations (id varchar primary key, applied_at timestamptz not null)');
    const applied = new Set((await this.all<{ id: string }>('select id from meta.migrations')).map((row) => row.id));
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue;
      await this.transaction(async (tx) => {
        await tx.run(migration.sql);
        await tx.run('insert into meta.migrations (id, applied_at) values (?, now())', [migration.id]);
      });
    }
  }
}

function describeOpenError(path: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/lock/i.test(message)) {
    return `The warehouse ${path} is open in another process (DuckDB allows one writer per file); wait for it to finish or query the published copy.`;
  }
  if (/replaying WAL/i.test(message)) {
    // A .wal that belongs to another file (a .duckdb copied or restored without its own) stops every open. Moving
    // it aside is the way out then; for a file that had its own WAL it would drop the writes since the checkpoint.
    return (
      `Cannot open the warehouse ${path}: DuckDB could not replay its write-ahead log ${path}.wal (${message.split('\n')[0]}). ` +
      `If ${path} was copied or restored without its own .wal, move ${path}.wal aside and open it again; otherwise keep both files as they are.`
    );
  }
  return `Cannot open the warehouse ${path}: ${message.split('\n')[0]}`;
}
