import type { SqlSession } from '../warehouse/warehouse.js';
import { catalogKey, type Catalog, type CatalogColumn } from './catalog.js';
import type { Project, ProjectNode } from './project.js';

/**
 * Model and column documentation: `meta.model_docs` and `meta.column_docs`
 * (the reports' data dictionary), the warnings about YAML that documents
 * what does not exist, and the mart check that every column is described.
 */
interface DocumentedColumn {
  readonly name: string;
  readonly position: number;
  readonly dataType: string | null;
  readonly description: string | null;
}

/** The node's columns as built, with their YAML descriptions; the YAML alone for a node never built. */
function documentedColumns(node: ProjectNode, catalog: Catalog): DocumentedColumn[] {
  const described = new Map(node.columns.map((column) => [column.name.toLowerCase(), column]));
  const built = catalog.columns.get(catalogKey(node.schema, node.name));
  if (!built) {
    return node.columns.map((column, index) => ({ name: column.name, position: index + 1, dataType: column.data_type ?? null, description: column.description ?? null }));
  }
  return built.map((column: CatalogColumn) => ({
    name: column.name,
    position: column.position,
    dataType: column.dataType,
    description: described.get(column.name.toLowerCase())?.description ?? null,
  }));
}

export async function writeDocs(session: SqlSession, project: Project, catalog: Catalog): Promise<void> {
  await session.run('delete from meta.model_docs');
  await session.run('delete from meta.column_docs');
  const nodes = [...project.nodes.values()];
  await session.append(
    { schema: 'meta', table: 'model_docs' },
    [
      { name: 'model', type: 'varchar' },
      { name: 'schema', type: 'varchar' },
      { name: 'layer', type: 'varchar' },
      { name: 'description', type: 'varchar' },
      { name: 'materialized', type: 'varchar' },
      { name: 'file', type: 'varchar' },
    ],
    nodes.map((node) => [node.name, node.schema, node.layer, node.description ?? null, node.materialized, node.file]),
  );
  await session.append(
    { schema: 'meta', table: 'column_docs' },
    [
      { name: 'model', type: 'varchar' },
      { name: 'column', type: 'varchar' },
      { name: 'position', type: 'integer' },
      { name: 'data_type', type: 'varchar' },
      { name: 'description', type: 'varchar' },
    ],
    nodes.flatMap((node) => documentedColumns(node, catalog).map((column) => [node.name, column.name, column.position, column.dataType, column.description])),
  );
}

/** YAML columns that the built relation lacks, and undescribed mart columns: printed, never fatal by themselves. */
export function docWarnings(project: Project, catalog: Catalog, nodes: ReadonlySet<string>): string[] {
  const warnings: string[] = [];
  for (const node of project.nodes.values()) {
    if (!nodes.has(node.name)) continue;
    const built = catalog.columns.get(catalogKey(node.schema, node.name));
    if (!built) continue;
    const actual = new Set(built.map((column) => column.name.toLowerCase()));
    for (const column of node.columns) {
      if (!actual.has(column.name.toLowerCase())) {
        warnings.push(`${node.docsFile} documents a column ${node.name}.${column.name} that ${node.schema}.${node.name} does not have.`);
      }
    }
    if (node.layer === 'marts') {
      for (const missing of undescribedMartColumns(node, catalog)) warnings.push(`Mart ${node.schema}.${node.name}: ${missing.problem}.`);
    }
  }
  return warnings;
}

/** Rows of the mart docs check: the model or columns an analyst would find without a description. */
export function undescribedMartColumns(node: ProjectNode, catalog: Catalog): { column: string | null; problem: string }[] {
  const problems: { column: string | null; problem: string }[] = [];
  if (!node.description?.trim()) problems.push({ column: null, problem: `the model has no description in YAML` });
  for (const column of documentedColumns(node, catalog)) {
    if (!column.description?.trim()) problems.push({ column: column.name, problem: `column ${column.name} has no description in YAML` });
  }
  return problems;
}
