import { z } from 'zod';

/**
 * The shape of the YAML files beside the models (and seeds), dbt style. Keys
 * are checked strictly so a misspelt `descripton` is reported rather than
 * leaving a column silently undocumented; `meta` and `tags` are accepted and
 * ignored because dbt projects carry them.
 */
const text = z.string().nullish().transform((value) => value ?? undefined);
const ignored = { meta: z.unknown().optional(), tags: z.unknown().optional() };

/** A test entry as written: `unique`, or `{ accepted_values: { values: [...] } }`. Checked further by genericTests.ts. */
const testEntry = z.union([z.string(), z.record(z.string(), z.unknown())], {
  error: 'must be a test name such as unique, or a mapping such as { accepted_values: { values: [...] } }',
});
const tests = z.array(testEntry).nullish();

const column = z.strictObject({
  name: z.string().min(1),
  description: text,
  data_type: text,
  tests,
  data_tests: tests,
  ...ignored,
});

const model = z.strictObject({
  name: z.string().min(1),
  description: text,
  config: z.strictObject({ materialized: z.enum(['view', 'table']).optional() }).optional(),
  columns: z.array(column).nullish(),
  tests,
  data_tests: tests,
  ...ignored,
});

const seed = z.strictObject({
  name: z.string().min(1),
  description: text,
  columns: z.array(column).nullish(),
  tests,
  data_tests: tests,
  ...ignored,
});

const sourceTable = z.strictObject({
  name: z.string().min(1),
  /** The table's real name when it differs from the name models use. */
  identifier: z.string().min(1).optional(),
  description: text,
  columns: z.array(column).nullish(),
  ...ignored,
});

const source = z.strictObject({
  name: z.string().min(1),
  /** Defaults to the source's name. */
  schema: z.string().min(1).optional(),
  description: text,
  tables: z.array(sourceTable),
  ...ignored,
});

export const docsFileSchema = z.strictObject({
  version: z.number().optional(),
  models: z.array(model).nullish(),
  seeds: z.array(seed).nullish(),
  sources: z.array(source).nullish(),
});

export type DocsFile = z.output<typeof docsFileSchema>;
export type DocsColumn = z.output<typeof column>;
export type DocsTestEntry = z.output<typeof testEntry>;
