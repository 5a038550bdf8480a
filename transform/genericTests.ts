import { UsageError } from '../errors/index.js';
import { quoteIdentifier, quoteLiteral } from '../warehouse/bulkLoad.js';
import type { DocsTestEntry } from './docsYaml.js';
import { parseCall, type TemplateCall, type TemplateLiteral } from './template.js';

/**
 * The generic data tests of dbt: declared in YAML on a column (or on a model
 * with `column_name`), compiled to a query that returns the failing rows.
 */
export type GenericTestKind = 'unique' | 'not_null' | 'accepted_values' | 'relationships';

const kinds: readonly GenericTestKind[] = ['unique', 'not_null', 'accepted_values', 'relationships'];

export interface GenericTest {
  readonly kind: GenericTestKind;
  readonly model: string;
  /** A column name, or a SQL expression when declared on the model with column_name. */
  readonly column: string;
  readonly columnIsExpression: boolean;
  readonly values?: readonly TemplateLiteral[];
  /** accepted_values: quote string values as SQL strings (default true). */
  readonly quote?: boolean;
  /** relationships: the parent, a ref() or source() call. */
  readonly to?: TemplateCall;
  readonly field?: string;
  readonly file: string;
  readonly line: number | undefined;
}

export interface TestDeclarationContext {
  readonly model: string;
  /** Set for tests under a column; model-level tests name theirs with column_name. */
  readonly column?: string;
  readonly file: string;
  readonly line: number | undefined;
}

export function readTestEntry(entry: DocsTestEntry, context: TestDeclarationContext): GenericTest {
  const where = `${context.file}${context.line ? ` line ${context.line}` : ''}: model ${context.model}${context.column ? `, column ${context.column}` : ''}`;
  const fail = (problem: string): never => {
    throw new UsageError(`${where}: ${problem}.`);
  };
  let kind: string;
  let raw: Record<string, unknown>;
  if (typeof entry === 'string') {
    kind = entry;
    raw = {};
  } else {
    const keys = Object.keys(entry);
    if (keys.length !== 1) return fail(`a test is one mapping key (the test's name), got ${keys.map((key) => `"${key}"`).join(', ')}`);
    kind = keys[0]!;
    const value = entry[kind];
    if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) return fail(`the arguments of ${kind} must be a mapping`);
    raw = { ...((value as Record<string, unknown> | null) ?? {}) };
    // dbt 1.10 nests arguments under `arguments:`; both spellings mean the same.
    if (raw['arguments'] && typeof raw['arguments'] === 'object') {
      const { arguments: nested, ...rest } = raw;
      raw = { ...rest, ...(nested as Record<string, unknown>) };
    }
  }
  if (!(kinds as readonly string[]).includes(kind)) return fail(`unknown test "${kind}" (the tests are ${kinds.join(', ')}, or a SQL file in models/tests/)`);
  const allowed: Record<GenericTestKind, readonly string[]> = {
    unique: ['column_name'],
    not_null: ['column_name'],
    accepted_values: ['column_name', 'values', 'quote'],
    relationships: ['column_name', 'to', 'field'],
  };
  const unknown = Object.keys(raw).filter((key) => !allowed[kind as GenericTestKind].includes(key));
  if (unknown.length > 0) return fail(`${kind} has an unknown argument "${unknown[0]}" (it takes ${allowed[kind as GenericTestKind].join(', ')})`);
  const columnName = raw['column_name'];
  if (columnName !== undefined && typeof columnName !== 'string') return fail(`${kind}: column_name must be a text`);
  const column = context.column ?? columnName;
  if (!column) return fail(`${kind} on a model needs column_name (or declare it under the column)`);
  const test = {
    kind: kind as GenericTestKind,
    model: context.model,
    column,
    columnIsExpression: context.column === undefined,
    file: context.file,
    line: context.line,
  };
  if (kind === 'accepted_values') {
    const values = raw['values'];
    if (!Array.isArray(values) || values.length === 0) return fail('accepted_values needs values: [...] with at least one value');
    // A null in `not in (...)` would make every comparison unknown and the test pass silently.
    if (values.some((value) => !['string', 'number', 'boolean'].includes(typeof value))) return fail('accepted_values: values must be texts, numbers or booleans (NULLs are checked by not_null)');
    const quote = raw['quote'] ?? true;
    if (typeof quote !== 'boolean') return fail('accepted_values: quote must be true or false');
    return { ...test, values: values as TemplateLiteral[], quote };
  }
  if (kind === 'relationships') {
    const to = raw['to'];
    const field = raw['field'];
    if (typeof to !== 'string' || typeof field !== 'string') return fail('relationships needs to: "ref(\'model\')" and field: column');
    const call = /\(/.test(to) ? parseCall(to, context.file, context.line ?? 0) : { fn: 'ref', args: [to], kwargs: {}, line: context.line ?? 0 };
    if (call.fn !== 'ref' && call.fn !== 'source') return fail(`relationships: to must be ref('model') or source('name', 'table'), got ${to}`);
    return { ...test, to: call, field };
  }
  return test;
}

export function genericTestName(test: GenericTest): string {
  if (test.kind === 'relationships' && test.to) {
    const parent = test.to.fn === 'ref' ? String(test.to.args[0]) : test.to.args.map(String).join('.');
    return `relationships(${test.model}.${test.column} -> ${parent}.${test.field})`;
  }
  return `${test.kind}(${test.model}.${test.column})`;
}

/** The query returning the failing rows; `relation` and `parent` are already-quoted relation names. */
export function genericTestSql(test: GenericTest, relation: string, parent?: string): string {
  const column = test.columnIsExpression ? test.column : quoteIdentifier(test.column);
  switch (test.kind) {
    case 'not_null':
      return `select * from ${relation} where ${column} is null`;
    case 'unique':
      return `select ${column} as value, count(*) as occurrences from ${relation} where ${column} is not null group by all having count(*) > 1 order by occurrences desc`;
    case 'accepted_values': {
      const list = (test.values ?? []).map((value) => literal(value, test.quote ?? true)).join(', ');
      return `select ${column} as value, count(*) as occurrences from ${relation} where ${column} is not null and ${column} not in (${list}) group by all order by occurrences desc`;
    }
    case 'relationships':
      return [
        `with child as (select ${column} as value from ${relation} where ${column} is not null),`,
        `parent as (select ${quoteIdentifier(test.field ?? '')} as value from ${parent})`,
        'select child.value, count(*) as occurrences from child',
        'where not exists (select 1 from parent where parent.value = child.value)',
        'group by all order by occurrences desc',
      ].join('\n');
  }
}

function literal(value: TemplateLiteral, quote: boolean): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return quote ? quoteLiteral(value) : value;
  return String(value);
}
