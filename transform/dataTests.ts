import { performance } from 'node:perf_hooks';
import { WorkError } from '../errors/index.js';
import type { SqlSession } from '../warehouse/warehouse.js';
import type { Catalog } from './catalog.js';
import { undescribedMartColumns } from './docs.js';
import { genericTestName, genericTestSql, type GenericTestKind } from './genericTests.js';
import { readPlainRows, type PlainValue } from './plainRows.js';
import { relationOf, type Project } from './project.js';

/**
 * Data tests: each is a query returning failing rows (generic tests from the
 * YAML, singular tests from models/tests/*.sql) or, for the mart docs check,
 * rows computed from the catalog. A test passes when it returns no rows.
 */
export type TestKind = GenericTestKind | 'singular' | 'described';

export interface PlannedTest {
  readonly name: string;
  readonly kind: TestKind;
  readonly model?: string;
  readonly column?: string;
  /** The YAML or SQL file that declares the test. */
  readonly file: string;
  readonly failingRows: (session: SqlSession) => Promise<{ failures: number; columns: string[]; rows: Record<string, PlainValue>[] }>;
}

export interface TestResult {
  readonly name: string;
  readonly kind: TestKind;
  readonly model?: string;
  readonly column?: string;
  readonly file: string;
  readonly status: 'pass' | 'fail' | 'error';
  /** How many rows the test returned (0 when it passes). */
  readonly failures: number;
  readonly columns: readonly string[];
  /** The first few failing rows. */
  readonly rows: readonly Record<string, PlainValue>[];
  readonly error?: string;
  readonly seconds: number;
}

export const failingRowsShown = 5;

/** The tests that guard the selected nodes: all of them when nothing was selected. */
export function planTests(project: Project, selected: ReadonlySet<string>, catalog: () => Catalog): PlannedTest[] {
  const everything = selected.size === project.nodes.size;
  const tests: PlannedTest[] = [];
  for (const test of project.genericTests) {
    const node = project.nodes.get(test.model);
    if (!node || !selected.has(test.model)) continue;
    const sql = genericTestSql(test, relationOf(node), test.parentRelation);
    tests.push({
      name: genericTestName(test),
      kind: test.kind,
      model: test.model,
      column: test.column,
      file: test.file,
      failingRows: (session) => queryFailingRows(session, sql),
    });
  }
  for (const test of project.singularTests) {
    if (!everything && !test.refs.some((ref) => selected.has(ref))) continue;
    tests.push({ name: test.name, kind: 'singular', file: test.name, failingRows: (session) => queryFailingRows(session, test.sql) });
  }
  for (const node of project.nodes.values()) {
    if (node.layer !== 'marts' || !selected.has(node.name)) continue;
    tests.push({
      name: `described(${node.name})`,
      kind: 'described',
      model: node.name,
      file: node.docsFile ?? node.file,
      failingRows: async () => {
        const rows = undescribedMartColumns(node, catalog());
        return { failures: rows.length, columns: ['column', 'problem'], rows: rows.slice(0, failingRowsShown) };
      },
    });
  }
  return tests;
}

export async function runTests(session: SqlSession, tests: readonly PlannedTest[], onTest?: (result: TestResult) => void): Promise<TestResult[]> {
  const results: TestResult[] = [];
  let aborted: string | undefined;
  for (const test of tests) {
    const started = performance.now();
    const base = { name: test.name, kind: test.kind, file: test.file, ...(test.model ? { model: test.model } : {}), ...(test.column ? { column: test.column } : {}) };
    let result: TestResult;
    if (aborted) {
      result = { ...base, status: 'error', failures: 0, columns: [], rows: [], error: `not run: ${aborted}`, seconds: 0 };
    } else {
      try {
        const outcome = await test.failingRows(session);
        result = { ...base, status: outcome.failures > 0 ? 'fail' : 'pass', ...outcome, seconds: secondsSince(started) };
      } catch (error) {
        const message = firstLine(error);
        result = { ...base, status: 'error', failures: 0, columns: [], rows: [], error: message, seconds: secondsSince(started) };
        // Some DuckDB errors abort the surrounding transaction; later queries would only repeat that.
        if (!(await sessionUsable(session))) aborted = `an earlier test error (${test.name}) aborted the transaction`;
      }
    }
    results.push(result);
    onTest?.(result);
  }
  return results;
}

/** Data tests failed or errored: exit 1, with the results for whoever wants to show the rows. */
export class DataTestsFailed extends WorkError {
  constructor(
    readonly failed: readonly TestResult[],
    consequence: string,
  ) {
    const names = failed.slice(0, 3).map((test) => test.name).join(', ');
    const more = failed.length > 3 ? ` and ${failed.length - 3} more` : '';
    super(`${failed.length} data test${failed.length === 1 ? '' : 's'} failed (${names}${more})${consequence}.`);
    this.name = 'DataTestsFailed';
  }
}

async function queryFailingRows(session: SqlSession, sql: string) {
  const body = sql.trim().replace(/;+\s*$/, '');
  const counted = await session.one<{ failures: number }>(`select count(*) as failures from (\n${body}\n) as failing_rows`);
  const failures = Number(counted?.failures ?? 0);
  if (failures === 0) return { failures, columns: [], rows: [] };
  return { failures, ...(await readPlainRows(session.connection, body, failingRowsShown)) };
}

async function sessionUsable(session: SqlSession): Promise<boolean> {
  try {
    await session.run('select 1');
    return true;
  } catch {
    return false;
  }
}

function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!;
}
