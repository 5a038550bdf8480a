import { performance } from 'node:perf_hooks';
import { WorkError } from '../errors/index.js';
import { quoteIdentifier, quoteLiteral } from '../warehouse/bulkLoad.js';
import { publishWarehouse } from '../warehouse/publish.js';
import type { SqlSession, Warehouse } from '../warehouse/warehouse.js';
import { catalogKey, readCatalog, type Catalog } from './catalog.js';
import { DataTestsFailed, planTests, runTests, type TestResult } from './dataTests.js';
import { docWarnings, writeDocs } from './docs.js';
import { buildOrder, selectNodes } from './graph.js';
import { loadProject, modelLayers, relationOf, type Project, type ProjectNode } from './project.js';
import { loadProjectSettings, runtimeVars, settingsVars, type VarValue } from './projectSettings.js';
import { finishRun, recordModelBuilds, startRun, type ModelBuildRecord } from './runRecord.js';

/**
 * `tributary build` and `tributary test` as functions, for the CLI and for
 * `refresh`. A build renders the project, then in ONE transaction on the
 * writer's connection builds every selected model, rewrites the docs tables
 * and runs the data tests; any failure rolls all of it back, so the previous
 * tables stay exactly as they were. After the commit the marts are published.
 */
const builtSchemas = [...modelLayers, 'seeds'] as const;

export interface ModelResult extends ModelBuildRecord {
  readonly layer: string;
  readonly file: string;
}

interface ProjectRunOptions {
  readonly warehouse: Warehouse;
  readonly projectDir: string;
  /** dbt-style selectors: `model`, `model+`, `+model`. None means everything. */
  readonly select?: readonly string[];
  /** Template vars that win over tributary.yml: usually `runtimeVars(...)` from the environment. */
  readonly vars?: Readonly<Record<string, VarValue>>;
  readonly onTest?: (result: TestResult) => void;
  readonly onWarning?: (message: string) => void;
}

export interface BuildOptions extends ProjectRunOptions {
  readonly onModel?: (result: ModelResult) => void;
  /** Copy the marts and meta to the published file after the commit (default true). */
  readonly publish?: boolean;
}

export interface BuildResult {
  readonly runId: string;
  readonly models: readonly ModelResult[];
  readonly tests: readonly TestResult[];
  readonly warnings: readonly string[];
  readonly seconds: number;
  /** The published copy, when one was written. */
  readonly publishedPath?: string;
}

export async function buildProject(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const { warehouse } = options;
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const models: ModelResult[] = [];
  let tests: TestResult[] = [];
  const runId = await startRun(warehouse, 'build');
  const counts = () => buildCounts(models, tests, warnings);
  try {
    const { project, vars } = openProject(options);
    project.warnings.forEach(warn);
    const selected = selectNodes(project, options.select ?? []);
    const toBuild = buildOrder(project).filter((node) => selected.has(node.name));
    await checkInputs(warehouse, project, toBuild, selected);
    await warehouse.transaction(async (tx) => {
      // Month boundaries of timestamptz follow the reporting time zone, not the machine's.
      await tx.run(`set TimeZone = ${quoteLiteral(String(vars['timezone']))}`);
      for (const schema of builtSchemas) await tx.run(`create schema if not exists ${quoteIdentifier(schema)}`);
      const existing = (await readCatalog(tx, builtSchemas)).relations;
      for (const node of toBuild) {
        const result = await buildNode(tx, node, existing);
        models.push(result);
        options.onModel?.(result);
        if (result.status === 'failed') throw new WorkError(result.error!);
      }
      const catalog = await readCatalog(tx, builtSchemas);
      docWarnings(project, catalog, selected).forEach(warn);
      await writeDocs(tx, project, catalog);
      tests = await runTests(tx, planTests(project, selected, () => catalog), options.onTest);
      const failed = tests.filter((test) => test.status !== 'pass');
      if (failed.length > 0) throw new DataTestsFailed(failed, '; the build was rolled back and the previous tables are unchanged');
      await recordModelBuilds(tx, runId, models);
      await finishRun(tx, runId, { status: 'ok', counts: counts() });
    });
  } catch (error) {
    const undone = models.map((model): ModelResult => (model.status === 'ok' ? { ...model, status: 'rolled_back' } : model));
    await recordModelBuilds(warehouse, runId, undone);
    await finishRun(warehouse, runId, { status: 'failed', counts: counts(), error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  let publishedPath: string | undefined;
  if (options.publish !== false && warehouse.path !== ':memory:') {
    try {
      publishedPath = (await publishWarehouse(warehouse)).path;
    } catch (error) {
      await finishRun(warehouse, runId, { status: 'publish_failed', counts: counts(), error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }
  return { runId, models, tests, warnings, seconds: secondsSince(started), ...(publishedPath ? { publishedPath } : {}) };
}

export interface TestRunResult {
  readonly runId: string;
  readonly tests: readonly TestResult[];
  readonly warnings: readonly string[];
  readonly seconds: number;
}

/** The data tests alone, against the tables as they are. */
export async function testProject(options: ProjectRunOptions): Promise<TestRunResult> {
  const started = performance.now();
  const { warehouse } = options;
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  let tests: TestResult[] = [];
  const runId = await startRun(warehouse, 'test');
  try {
    const { project } = openProject(options);
    project.warnings.forEach(warn);
    const selected = selectNodes(project, options.select ?? []);
    const catalog = await readCatalog(warehouse, builtSchemas);
    docWarnings(project, catalog, selected).forEach(warn);
    tests = await runTests(warehouse, planTests(project, selected, () => catalog), options.onTest);
    const failed = tests.filter((test) => test.status !== 'pass');
    if (failed.length > 0) throw new DataTestsFailed(failed, '');
    await finishRun(warehouse, runId, { status: 'ok', counts: buildCounts([], tests, warnings) });
  } catch (error) {
    await finishRun(warehouse, runId, { status: 'failed', counts: buildCounts([], tests, warnings), error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  return { runId, tests, warnings, seconds: secondsSince(started) };
}

function openProject(options: ProjectRunOptions): { project: Project; vars: Record<string, VarValue> } {
  const vars = { ...settingsVars(loadProjectSettings(options.projectDir)), ...runtimeVars(), ...options.vars };
  return { project: loadProject({ projectDir: options.projectDir, vars }), vars };
}

/**
 * What the selected models read but the build does not make must already be
 * there: sources (filled by extract or import) and unselected models.
 */
async function checkInputs(warehouse: Warehouse, project: Project, toBuild: readonly ProjectNode[], selected: ReadonlySet<string>): Promise<void> {
  const sourceSchemas = [...new Set(toBuild.flatMap((node) => node.sources.map((source) => source.schema)))];
  const catalog = await readCatalog(warehouse, [...sourceSchemas, ...builtSchemas]);
  for (const node of toBuild) {
    for (const source of node.sources) {
      if (catalog.relations.has(catalogKey(source.schema, source.identifier))) continue;
      throw new WorkError(
        `${node.file} reads source('${source.source}', '${source.table}'), but the warehouse has no table ${source.schema}.${source.identifier}: ${fillHint(source.schema)}.`,
      );
    }
    const missing = node.refs.filter((ref) => {
      const upstream = project.nodes.get(ref)!;
      return !selected.has(ref) && !catalog.relations.has(catalogKey(upstream.schema, upstream.name));
    });
    if (missing.length > 0) {
      const which = missing.length === 1 ? `${missing[0]}, which is not selected and has` : `${missing.join(', ')}, which are not selected and have`;
      throw new WorkError(`${node.file} refs ${which} never been built: select ${missing.length === 1 ? 'it' : 'them'} too (--select +${node.name}) or build everything once.`);
    }
  }
}

function fillHint(schema: string): string {
  const hints: Record<string, string> = {
    raw_stripe: 'run `tributary extract stripe` (or `tributary refresh --demo`) first',
    raw_crm: 'run `tributary import crm FILE` first',
  };
  return hints[schema] ?? `load ${schema} first`;
}

async function buildNode(tx: SqlSession, node: ProjectNode, existing: Catalog['relations']): Promise<ModelResult> {
  const started = performance.now();
  const relation = relationOf(node);
  const base = { name: node.name, schema: node.schema, layer: node.layer, file: node.file, materialized: node.materialized };
  try {
    const kind = node.materialized === 'view' ? 'view' : 'table';
    const current = existing.get(catalogKey(node.schema, node.name));
    // DuckDB will not replace a view with a table or the reverse: drop the other kind first.
    if (current && current !== kind) await tx.run(`drop ${current} ${relation}`);
    const body = node.materialized === 'seed' ? seedSelect(node) : node.sql.replace(/[\s;]+$/, '');
    // The body starts on line 2, so DuckDB's `LINE n` is line n - 1 of the file.
    await tx.run(`create or replace ${kind} ${relation} as\n${body}\n`);
    const rows = kind === 'table' ? Number((await tx.one<{ n: number }>(`select count(*) as n from ${relation}`))!.n) : null;
    return { ...base, rows, seconds: secondsSince(started), status: 'ok' };
  } catch (error) {
    return { ...base, rows: null, seconds: secondsSince(started), status: 'failed', error: describeModelError(node, error) };
  }
}

/** Milliseconds are all a build report needs. */
function secondsSince(started: number): number {
  return Math.round(performance.now() - started) / 1000;
}

function seedSelect(node: ProjectNode): string {
  const typed = node.columns.filter((column) => column.data_type);
  const types = typed.length > 0 ? `, types = {${typed.map((column) => `${quoteLiteral(column.name)}: ${quoteLiteral(column.data_type!)}`).join(', ')}}` : '';
  return `select * from read_csv(${quoteLiteral(node.path)}, header = true, auto_detect = true${types})`;
}

function describeModelError(node: ProjectNode, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = /LINE (\d+):/.exec(message)?.[1];
  const where = node.materialized === 'seed' ? node.file : `${node.file}${line && Number(line) > 1 ? ` line ${Number(line) - 1}` : ''}`;
  const what = node.materialized === 'seed' ? 'Seed' : 'Model';
  return `${what} ${node.schema}.${node.name} failed (${where}): ${message.split('\n')[0]}`;
}

function buildCounts(models: readonly ModelResult[], tests: readonly TestResult[], warnings: readonly string[]): Record<string, number> {
  const count = (predicate: (model: ModelResult) => boolean) => models.filter(predicate).length;
  return {
    models: count((model) => model.materialized !== 'seed'),
    tables: count((model) => model.materialized === 'table'),
    views: count((model) => model.materialized === 'view'),
    seeds: count((model) => model.materialized === 'seed'),
    rows: models.reduce((sum, model) => sum + (model.rows ?? 0), 0),
    tests: tests.length,
    tests_failed: tests.filter((test) => test.status !== 'pass').length,
    warnings: warnings.length,
  };
}
