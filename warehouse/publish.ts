import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { WorkError } from '../errors/index.js';
import { quoteIdentifier, quoteLiteral } from './bulkLoad.js';
import { Warehouse } from './warehouse.js';

/**
 * The published copy: the marts and `meta` of the last successful build in a
 * file of their own, `<warehouse>.published.duckdb`. DuckDB lets a writer
 * block every other process, readers included, so readers (`tributary query`,
 * the reports) never open the warehouse itself. The copy is written under a
 * temporary name and renamed into place: a reader opens either the old file
 * or the new one, never a mix, and a crash halfway leaves the old one.
 */
export const publishedSchemas = ['marts', 'meta'] as const;

export const noPublishedCopyMessage = 'No build has been published yet: run `tributary build` (or `tributary refresh --demo`).';

export function publishedPathFor(warehousePath: string): string {
  return `${warehousePath.replace(/\.duckdb$/, '')}.published.duckdb`;
}

export interface PublishOptions {
  /** Called after each table is copied; tests use it to stop a publish halfway. */
  readonly onTable?: (qualifiedName: string) => void | Promise<void>;
}

export interface PublishResult {
  readonly path: string;
  readonly tables: readonly string[];
}

export async function publishWarehouse(warehouse: Warehouse, options: PublishOptions = {}): Promise<PublishResult> {
  const target = publishedPathFor(warehouse.path);
  removeAbandonedTemporaries(target);
  const temporary = `${target.replace(/\.duckdb$/, '')}.${process.pid}-${randomBytes(4).toString('hex')}.duckdb.tmp`;
  const alias = 'tributary_publishing';
  const source = (await warehouse.one<{ name: string }>('select current_database() as name'))!.name;
  const relations = await warehouse.all<{ schema: string; name: string }>(
    `select table_schema as schema, table_name as name from information_schema.tables
     where table_catalog = current_database() and table_schema in (${publishedSchemas.map(quoteLiteral).join(', ')})
     order by 1, 2`,
  );
  await warehouse.run(`attach ${quoteLiteral(temporary)} as ${alias}`);
  let attached = true;
  try {
    for (const schema of publishedSchemas) await warehouse.run(`create schema ${alias}.${quoteIdentifier(schema)}`);
    for (const relation of relations) {
      const name = `${quoteIdentifier(relation.schema)}.${quoteIdentifier(relation.name)}`;
      // Views become tables: the copy has no staging layer for them to read.
      await warehouse.run(`create table ${alias}.${name} as select * from ${quoteIdentifier(source)}.${name}`);
      await options.onTable?.(`${relation.schema}.${relation.name}`);
    }
    await warehouse.run(`checkpoint ${alias}`);
    await warehouse.run(`detach ${alias}`);
    attached = false;
    renameSync(temporary, target);
    syncDirectory(dirname(target));
  } catch (error) {
    if (attached) await warehouse.run(`detach ${alias}`).catch(() => undefined);
    removeTemporary(temporary);
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new WorkError(`Publishing the build to ${target} failed, so readers keep the previous copy: ${message}`, { cause: error });
  }
  return { path: target, tables: relations.map((relation) => `${relation.schema}.${relation.name}`) };
}

/**
 * Opens the published copy for reading only, with file access switched off:
 * a query can read the copy and nothing else, and can write nowhere.
 */
export async function openPublishedCopy(warehousePath: string): Promise<Warehouse> {
  const path = publishedPathFor(warehousePath);
  if (!existsSync(path)) throw new WorkError(noPublishedCopyMessage);
  const copy = await Warehouse.open({ path, readOnly: true });
  await copy.run('set enable_external_access = false');
  return copy;
}

/** Temporaries of a publish that crashed; only one process writes a warehouse, so none is in use. */
function removeAbandonedTemporaries(target: string): void {
  const directory = dirname(target);
  if (!existsSync(directory)) return;
  const prefix = `${basename(target).replace(/\.duckdb$/, '')}.`;
  for (const name of readdirSync(directory)) {
    if (name.startsWith(prefix) && /\.duckdb\.tmp(\.wal)?$/.test(name)) rmSync(join(directory, name), { force: true });
  }
}

function removeTemporary(temporary: string): void {
  rmSync(temporary, { force: true });
  rmSync(`${temporary}.wal`, { force: true });
}

/** The rename itself must reach the disk, or a power cut could bring back the old name. */
function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
