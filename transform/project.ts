import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join, relative, sep } from 'node:path';
import { UsageError } from '../errors/index.js';
import { quoteIdentifier } from '../warehouse/bulkLoad.js';
import { docsFileSchema, type DocsColumn, type DocsFile, type DocsTestEntry } from './docsYaml.js';
import { readTestEntry, type GenericTest } from './genericTests.js';
import type { VarValue } from './projectSettings.js';
import { parseTemplate, renderTemplate, templateCalls, type TemplateCall, type TemplateSegment } from './template.js';
import { readYamlFile } from './yamlFile.js';

/**
 * A model project read from disk: the models of `models/{staging,intermediate,marts}`,
 * the seeds of `seeds/*.csv`, the YAML beside them and the singular tests of
 * `models/tests/`, every template rendered with the run's vars. Everything an
 * analyst can get wrong in these files is reported here, before the warehouse
 * is touched.
 */
export const modelLayers = ['staging', 'intermediate', 'marts'] as const;
export type Layer = (typeof modelLayers)[number] | 'seeds';
export type Materialization = 'view' | 'table' | 'seed';

export interface ProjectNode {
  readonly name: string;
  readonly layer: Layer;
  /** The warehouse schema, the layer's name. */
  readonly schema: string;
  /** Relative to the project root, with forward slashes. */
  readonly file: string;
  readonly path: string;
  readonly materialized: Materialization;
  /** Model and seed names this node reads. */
  readonly refs: readonly string[];
  readonly sources: readonly SourceTable[];
  /** The rendered SELECT of a model; empty for a seed. */
  readonly sql: string;
  readonly description: string | undefined;
  readonly columns: readonly DocsColumn[];
  /** The YAML file that documents the node, if any. */
  readonly docsFile: string | undefined;
}

export interface SourceTable {
  readonly source: string;
  readonly table: string;
  readonly schema: string;
  readonly identifier: string;
  readonly file: string;
}

export interface SingularTest {
  /** The test's file, relative to the project root. */
  readonly name: string;
  readonly refs: readonly string[];
  readonly sql: string;
}

export interface ResolvedGenericTest extends GenericTest {
  /** The parent relation of a relationships test, quoted. */
  readonly parentRelation?: string;
  /** The parent node, when the parent is a model rather than a source. */
  readonly parentModel?: string;
}

export interface Project {
  readonly dir: string;
  /** Models and seeds by name. */
  readonly nodes: ReadonlyMap<string, ProjectNode>;
  readonly genericTests: readonly ResolvedGenericTest[];
  readonly singularTests: readonly SingularTest[];
  /** Documentation problems that do not stop a build (marts are checked by the docs test). */
  readonly warnings: readonly string[];
}

export function relationOf(node: Pick<ProjectNode, 'schema' | 'name'>): string {
  return `${quoteIdentifier(node.schema)}.${quoteIdentifier(node.name)}`;
}

interface ParsedFile {
  readonly file: string;
  readonly path: string;
  readonly segments: TemplateSegment[];
  readonly calls: TemplateCall[];
}

interface NodeDraft {
  name: string;
  layer: Layer;
  file: string;
  path: string;
  parsed: ParsedFile | undefined;
  headerMaterialized: 'view' | 'table' | undefined;
  description?: string;
  columns: DocsColumn[];
  docsFile?: string;
  yamlMaterialized?: 'view' | 'table';
}

export function loadProject(options: { projectDir: string; vars: Readonly<Record<string, VarValue>> }): Project {
  const dir = options.projectDir;
  // Run from anywhere else, a build would "succeed" with no models and publish an empty copy.
  if (!existsSync(join(dir, 'models'))) {
    throw new UsageError(`There is no models/ folder in ${dir}: run tributary from the project folder (the one that holds models/ and tributary.yml).`);
  }
  const warnings: string[] = [];
  const drafts = new Map<string, NodeDraft>();
  const singularFiles: ParsedFile[] = [];
  const docsFiles: string[] = [];

  const addDraft = (draft: NodeDraft) => {
    const existing = drafts.get(draft.name);
    if (existing) {
      throw new UsageError(`Two models are named ${draft.name}: ${existing.file} and ${draft.file}; model and seed names must be unique in the project.`);
    }
    drafts.set(draft.name, draft);
  };

  for (const file of listFiles(dir, 'models')) {
    const extension = extname(file);
    if (extension === '.yml' || extension === '.yaml') {
      docsFiles.push(file);
      continue;
    }
    if (extension !== '.sql') continue;
    const folder = file.split('/')[1]!;
    const parsed = parseFile(dir, file);
    if (folder === 'tests') {
      singularFiles.push(parsed);
      continue;
    }
    if (!(modelLayers as readonly string[]).includes(folder) || file.split('/').length < 3) {
      throw new UsageError(`${file} is not in a layer folder: models go under models/staging/, models/intermediate/ or models/marts/ (singular tests under models/tests/).`);
    }
    addDraft({
      name: basename(file, '.sql'),
      layer: folder as Layer,
      file,
      path: join(dir, file),
      parsed,
      headerMaterialized: headerMaterialization(parsed),
      columns: [],
    });
  }
  for (const file of listFiles(dir, 'seeds')) {
    const extension = extname(file);
    if (extension === '.yml' || extension === '.yaml') docsFiles.push(file);
    if (extension !== '.csv' || file.split('/').length !== 2) continue;
    addDraft({ name: basename(file, '.csv'), layer: 'seeds', file, path: join(dir, file), parsed: undefined, headerMaterialized: undefined, columns: [] });
  }

  const sources = new Map<string, SourceTable>();
  const genericDeclarations: GenericTest[] = [];
  for (const file of docsFiles) {
    const yaml = readYamlFile(join(dir, file), file, docsFileSchema);
    collectSources(yaml.data, file, sources);
    for (const key of ['models', 'seeds'] as const) {
      (yaml.data[key] ?? []).forEach((entry, index) => {
        const draft = drafts.get(entry.name);
        if (!draft) {
          warnings.push(`${file} documents ${key === 'seeds' ? 'a seed' : 'a model'} ${entry.name} that has no ${key === 'seeds' ? '.csv file under seeds/' : '.sql file under models/'}; its docs and tests are ignored.`);
          return;
        }
        if (draft.docsFile) throw new UsageError(`${draft.name} is documented twice, in ${draft.docsFile} and ${file}; keep one entry.`);
        draft.docsFile = file;
        draft.description = entry.description;
        draft.columns = entry.columns ?? [];
        const materialized = (entry as { config?: { materialized?: 'view' | 'table' } }).config?.materialized;
        if (materialized) draft.yamlMaterialized = materialized;
        const base = [key, index] as const;
        const declare = (tests: readonly DocsTestEntry[] | null | undefined, path: readonly (string | number)[], column?: string) =>
          (tests ?? []).forEach((test, testIndex) =>
            genericDeclarations.push(
              readTestEntry(test, { model: draft.name, ...(column === undefined ? {} : { column }), file, line: yaml.lineAt([...path, testIndex]) }),
            ),
          );
        declare(entry.tests, [...base, 'tests']);
        declare(entry.data_tests, [...base, 'data_tests']);
        draft.columns.forEach((column, columnIndex) => {
          declare(column.tests, [...base, 'columns', columnIndex, 'tests'], column.name);
          declare(column.data_tests, [...base, 'columns', columnIndex, 'data_tests'], column.name);
        });
      });
    }
  }

  const resolver = new TemplateResolver(drafts, sources, options.vars);
  const nodes = new Map<string, ProjectNode>();
  for (const draft of drafts.values()) {
    const rendered = draft.parsed ? resolver.render(draft.parsed) : { sql: '', refs: [], sources: [] };
    nodes.set(draft.name, {
      name: draft.name,
      layer: draft.layer,
      schema: draft.layer,
      file: draft.file,
      path: draft.path,
      materialized: draft.layer === 'seeds' ? 'seed' : (draft.headerMaterialized ?? draft.yamlMaterialized ?? (draft.layer === 'staging' ? 'view' : 'table')),
      refs: rendered.refs,
      sources: rendered.sources,
      sql: rendered.sql,
      description: draft.description,
      columns: draft.columns,
      docsFile: draft.docsFile,
    });
  }
  const singularTests = singularFiles.map((parsed) => {
    const rendered = resolver.render(parsed);
    return { name: parsed.file, refs: rendered.refs, sql: rendered.sql };
  });
  const genericTests = genericDeclarations.map((test): ResolvedGenericTest => {
    if (!test.to) return test;
    const parent = resolver.resolveRelation(test.to, test.file);
    return { ...test, parentRelation: parent.relation, ...(parent.model ? { parentModel: parent.model } : {}) };
  });
  return { dir, nodes, genericTests, singularTests, warnings };
}

/** Resolves ref/source/var/config calls; every miss names the file and line. */
class TemplateResolver {
  constructor(
    private readonly drafts: ReadonlyMap<string, NodeDraft>,
    private readonly sources: ReadonlyMap<string, SourceTable>,
    private readonly vars: Readonly<Record<string, VarValue>>,
  ) {}

  render(parsed: ParsedFile): { sql: string; refs: string[]; sources: SourceTable[] } {
    const refs = new Set<string>();
    const sources = new Map<string, SourceTable>();
    const sql = renderTemplate(parsed.segments, (call) => {
      if (call.fn === 'config') return '';
      if (call.fn === 'var') return this.variable(call, parsed.file);
      const resolved = this.resolveRelation(call, parsed.file);
      if (resolved.model) refs.add(resolved.model);
      if (resolved.source) sources.set(`${resolved.source.source}.${resolved.source.table}`, resolved.source);
      return resolved.relation;
    });
    return { sql, refs: [...refs], sources: [...sources.values()] };
  }

  resolveRelation(call: TemplateCall, file: string): { relation: string; model?: string; source?: SourceTable } {
    const at = `${file} line ${call.line}`;
    const texts = call.args.map((arg) => (typeof arg === 'string' ? arg : undefined));
    if (call.fn === 'ref') {
      const name = texts[0];
      if (call.args.length !== 1 || !name) throw new UsageError(`${at}: ref() takes one model name, as in ref('stg_stripe__invoices').`);
      const draft = this.drafts.get(name);
      if (!draft) throw new UsageError(`${at}: ref('${name}') names no model or seed of this project.`);
      return { relation: relationOf({ schema: draft.layer, name }), model: name };
    }
    if (call.fn === 'source') {
      const [sourceName, tableName] = texts;
      if (call.args.length !== 2 || !sourceName || !tableName) throw new UsageError(`${at}: source() takes a source and a table name, as in source('stripe', 'invoices').`);
      const source = this.sources.get(`${sourceName}.${tableName}`);
      if (!source) throw new UsageError(`${at}: source('${sourceName}', '${tableName}') is not declared in any sources: block of the YAML under models/.`);
      return { relation: relationOf({ schema: source.schema, name: source.identifier }), source };
    }
    throw new UsageError(`${at}: ${call.fn}() cannot name a table; use ref('model') or source('name', 'table').`);
  }

  private variable(call: TemplateCall, file: string): string {
    const name = call.args[0];
    if (typeof name !== 'string' || call.args.length > 2) throw new UsageError(`${file} line ${call.line}: var() takes a name and an optional default, as in var('mrr.discounts').`);
    const value = Object.hasOwn(this.vars, name) ? this.vars[name] : call.args.length === 2 ? call.args[1] : undefined;
    if (value === undefined) {
      throw new UsageError(`${file} line ${call.line}: var('${name}') is not set; the vars are ${Object.keys(this.vars).sort().join(', ')} (add it under vars: in tributary.yml, or give a default).`);
    }
    return value === null ? 'null' : String(value);
  }
}

function parseFile(dir: string, file: string): ParsedFile {
  const path = join(dir, file);
  const segments = parseTemplate(readFileSync(path, 'utf8'), file);
  return { file, path, segments, calls: templateCalls(segments) };
}

function headerMaterialization(parsed: ParsedFile): 'view' | 'table' | undefined {
  let materialized: 'view' | 'table' | undefined;
  for (const call of parsed.calls.filter((c) => c.fn === 'config')) {
    const at = `${parsed.file} line ${call.line}`;
    const unknown = Object.keys(call.kwargs).filter((key) => key !== 'materialized');
    if (call.args.length > 0 || unknown.length > 0) throw new UsageError(`${at}: config() takes only materialized='view' or materialized='table'.`);
    const value = call.kwargs['materialized'];
    if (value !== 'view' && value !== 'table') throw new UsageError(`${at}: materialized must be 'view' or 'table', got ${JSON.stringify(value)}.`);
    materialized = value;
  }
  return materialized;
}

function collectSources(docs: DocsFile, file: string, sources: Map<string, SourceTable>): void {
  for (const source of docs.sources ?? []) {
    for (const table of source.tables) {
      const key = `${source.name}.${table.name}`;
      const existing = sources.get(key);
      if (existing) throw new UsageError(`The source ${key} is declared twice, in ${existing.file} and ${file}.`);
      sources.set(key, { source: source.name, table: table.name, schema: source.schema ?? source.name, identifier: table.identifier ?? table.name, file });
    }
  }
}

/** Files under a project folder, relative to the project root with forward slashes, in a stable order. */
function listFiles(dir: string, folder: string): string[] {
  const root = join(dir, folder);
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}
