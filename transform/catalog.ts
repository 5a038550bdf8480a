import { quoteLiteral } from '../warehouse/bulkLoad.js';
import type { SqlSession } from '../warehouse/warehouse.js';

/**
 * What the warehouse holds right now (inside a transaction: what that
 * transaction sees): relations and their columns, keyed `schema.name` in
 * lower case because DuckDB identifiers are case-insensitive.
 */
export interface CatalogColumn {
  readonly name: string;
  readonly position: number;
  readonly dataType: string;
}

export interface Catalog {
  readonly relations: ReadonlyMap<string, 'table' | 'view'>;
  readonly columns: ReadonlyMap<string, readonly CatalogColumn[]>;
}

export function catalogKey(schema: string, name: string): string {
  return `${schema}.${name}`.toLowerCase();
}

export async function readCatalog(session: SqlSession, schemas: readonly string[]): Promise<Catalog> {
  const relations = new Map<string, 'table' | 'view'>();
  const columns = new Map<string, CatalogColumn[]>();
  if (schemas.length === 0) return { relations, columns };
  const schemaList = schemas.map(quoteLiteral).join(', ');
  const tables = await session.all<{ schema: string; name: string; kind: string }>(
    `select table_schema as schema, table_name as name, table_type as kind from information_schema.tables
     where table_catalog = current_database() and table_schema in (${schemaList})`,
  );
  for (const table of tables) relations.set(catalogKey(table.schema, table.name), table.kind === 'VIEW' ? 'view' : 'table');
  const rows = await session.all<{ schema: string; name: string; column: string; position: number; data_type: string }>(
    `select table_schema as schema, table_name as name, column_name as "column", ordinal_position as position, data_type
     from information_schema.columns
     where table_catalog = current_database() and table_schema in (${schemaList})
     order by table_schema, table_name, ordinal_position`,
  );
  for (const row of rows) {
    const key = catalogKey(row.schema, row.name);
    columns.set(key, [...(columns.get(key) ?? []), { name: row.column, position: row.position, dataType: row.data_type }]);
  }
  return { relations, columns };
}
