import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { quoteIdentifier, quoteLiteral } from '../warehouse/bulkLoad.js';

/**
 * Evidence 39 writes no parquet file for a source query that returns no rows,
 * yet lists it in its manifest, and the build then fails reading it ("too
 * small to be a Parquet file"). An empty mart is normal (no CRM imported yet,
 * no open signals), so each missing file is written here as a zero-row
 * parquet with the columns and types Evidence recorded in its schema file.
 */
const PARQUET_TYPES: Record<string, string> = {
  number: 'DOUBLE',
  string: 'VARCHAR',
  date: 'TIMESTAMP_MS',
  boolean: 'BOOLEAN',
};

interface EvidenceColumn {
  readonly name: string;
  readonly evidenceType: string;
}

/** Returns the source tables it filled in, e.g. ['warehouse.crm_activities']. */
export async function fillEmptySources(templateDir: string): Promise<string[]> {
  const manifestPath = join(templateDir, 'static', 'data', 'manifest.json');
  if (!existsSync(manifestPath)) return [];
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { renderedFiles?: Record<string, string[]> };
  const missing: { table: string; parquet: string; columns: EvidenceColumn[] }[] = [];
  for (const [source, files] of Object.entries(manifest.renderedFiles ?? {})) {
    for (const file of files) {
      const parquet = join(templateDir, file);
      if (existsSync(parquet) && statSync(parquet).size > 0) continue;
      const schema = parquet.replace(/\.parquet$/, '.schema.json');
      if (!existsSync(schema)) continue;
      const columns = JSON.parse(readFileSync(schema, 'utf8')) as EvidenceColumn[];
      missing.push({ table: `${source}.${file.split('/').at(-1)!.replace(/\.parquet$/, '')}`, parquet, columns });
    }
  }
  if (missing.length === 0) return [];
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
  const connection = await instance.connect();
  try {
    for (const { parquet, columns } of missing) {
      mkdirSync(dirname(parquet), { recursive: true });
      const select = columns.map((column) => `cast(null as ${PARQUET_TYPES[column.evidenceType] ?? 'VARCHAR'}) as ${quoteIdentifier(column.name)}`).join(', ');
      await connection.run(`copy (select ${select || '1 as none'} where false) to ${quoteLiteral(parquet)} (format parquet)`);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return missing.map((entry) => entry.table);
}
