import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import { fromDuckDBRow, toDuckDBParameters } from './duckdbValues.js';
import { DuckDBIntrospector } from './duckdbIntrospector.js';

/**
 * A Kysely dialect over @duckdb/node-api. DuckDB speaks PostgreSQL's SQL
 * closely enough that Kysely's Postgres compiler and adapter serve, except for
 * advisory locks, which DuckDB lacks (one process writes a file anyway).
 */
export interface DuckDBDialectConfig {
  /** Where connections come from: the instance, or one fixed connection (a transaction of our own). */
  readonly instance?: DuckDBInstance;
  readonly connection?: DuckDBConnection;
}

export class DuckDBDialect implements Dialect {
  constructor(private readonly config: DuckDBDialectConfig) {}
  createDriver(): Driver {
    return new DuckDBDriver(this.config);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new DuckDBAdapter();
  }
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new DuckDBIntrospector(db);
  }
}

class DuckDBAdapter extends PostgresAdapter {
  override async acquireMigrationLock(): Promise<void> {}
  override async releaseMigrationLock(): Promise<void> {}
}

class DuckDBDriver implements Driver {
  private readonly idle: DuckDBKyselyConnection[] = [];
  private readonly fixed?: DuckDBKyselyConnection;
  private fixedQueue: Promise<void> = Promise.resolve();

  constructor(private readonly config: DuckDBDialectConfig) {
    if (config.connection) this.fixed = new DuckDBKyselyConnection(config.connection, false);
    else if (!config.instance) throw new Error('DuckDBDialect needs an instance or a connection');
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.fixed) {
      // One connection shared by sequential callers: queue them so a
      // transaction's statements never interleave with another caller's.
      const fixed = this.fixed;
      let release!: () => void;
      const turn = new Promise<void>((resolve) => (release = resolve));
      const previous = this.fixedQueue;
      this.fixedQueue = previous.then(() => turn);
      await previous;
      fixed.release = release;
      return fixed;
    }
    const pooled = this.idle.pop();
    if (pooled) return pooled;
    return new DuckDBKyselyConnection(await this.config.instance!.connect(), true);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin transaction'));
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const duck = connection as DuckDBKyselyConnection;
    if (duck === this.fixed) {
      const release = duck.release;
      duck.release = undefined;
      release?.();
      return;
    }
    this.idle.push(duck);
  }

  async destroy(): Promise<void> {
    for (const connection of this.idle.splice(0)) connection.close();
  }
}

class DuckDBKyselyConnection implements DatabaseConnection {
  release: (() => void) | undefined;
  constructor(
    readonly connection: DuckDBConnection,
    private readonly owned: boolean,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { values, types } = toDuckDBParameters(compiledQuery.parameters);
    const reader = await this.connection.runAndReadAll(compiledQuery.sql, values, types);
    const rows = reader.getRowObjectsJS().map((row) => fromDuckDBRow(row) as R);
    if (isWrite(compiledQuery.sql)) return { rows: [], numAffectedRows: BigInt(reader.rowsChanged) };
    return { rows };
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize = 2048): AsyncIterableIterator<QueryResult<R>> {
    const { values, types } = toDuckDBParameters(compiledQuery.parameters);
    const result = await this.connection.stream(compiledQuery.sql, values, types);
    for await (const batch of result.yieldRowObjectJs()) {
      const rows = batch.map((row) => fromDuckDBRow(row) as R);
      for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) };
    }
  }

  close(): void {
    if (this.owned) this.connection.closeSync();
  }
}

function isWrite(sql: string): boolean {
  return /^\s*(insert|update|delete)\b/i.test(sql) && !/\breturning\b/i.test(sql);
}
