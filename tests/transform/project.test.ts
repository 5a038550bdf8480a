import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../errors/index.js';
import { buildOrder, selectNodes } from '../../transform/graph.js';
import { loadProject, type Project } from '../../transform/project.js';
import { copyFixture, fixedVars, removeTempDirs, tempDir, writeFiles } from './support.js';

afterEach(removeTempDirs);

const settings = { 'mrr.discounts': 'forever', 'mrr.churn_at': 'ended', 'lifecycle.activated_days': 30 };
const load = (projectDir: string, vars: Record<string, string | number | boolean> = { ...settings, ...fixedVars }): Project => loadProject({ projectDir, vars });

function loadError(projectDir: string): UsageError {
  try {
    load(projectDir);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected the project to be refused');
}

/** A project of three models in a line: stg_a -> int_b -> c. */
function lineProject(): string {
  const dir = tempDir();
  writeFiles(dir, {
    'models/staging/stg_a.sql': 'select 1 as id',
    'models/intermediate/int_b.sql': "select * from {{ ref('stg_a') }}",
    'models/marts/c.sql': 'select * from {{ ref("int_b") }}',
  });
  return dir;
}

describe('reading a model project', () => {
  it('names tables by layer and file, resolves ref/source/var/config, and keeps every line where it was', () => {
    const project = load(copyFixture('shop'));
    const customers = project.nodes.get('customers')!;
    expect(customers).toMatchObject({ schema: 'marts', layer: 'marts', file: 'models/marts/customers.sql', materialized: 'table' });
    expect([...customers.refs].sort()).toEqual(['fx_rates', 'int_customer_revenue', 'stg_stripe__customers']);
    expect(customers.sql).toContain(`from "staging"."stg_stripe__customers" as c`);
    expect(customers.sql).toContain(`left join "seeds"."fx_rates" as fx`);
    expect(customers.sql).toContain(`'forever' as discounts_setting`);
    expect(customers.sql).toContain(`30 as activated_days`);
    // The config() header renders empty and the comment keeps its line: `select` stays on line 3.
    expect(customers.sql.split('\n')[2]).toBe('select');
    const invoices = project.nodes.get('stg_stripe__invoices')!;
    expect(invoices).toMatchObject({ schema: 'staging', file: 'models/staging/stripe/stg_stripe__invoices.sql', materialized: 'view' });
    expect(invoices.sources).toEqual([{ source: 'stripe', table: 'invoices', schema: 'raw_stripe', identifier: 'invoices', file: 'models/staging/stripe/_sources.yml' }]);
    expect(invoices.sql).toContain('from "raw_stripe"."invoices"');
    expect(project.nodes.get('fx_rates')).toMatchObject({ schema: 'seeds', layer: 'seeds', materialized: 'seed', file: 'seeds/fx_rates.csv' });
    expect(project.singularTests.map((test) => test.name)).toEqual(['models/tests/revenue_not_negative.sql']);
    expect(project.warnings).toEqual([]);
  });

  it('orders models after what they ref', () => {
    const order = buildOrder(load(lineProject())).map((node) => node.name);
    expect(order).toEqual(['stg_a', 'int_b', 'c']);
  });

  it('refuses a cycle, naming the models in it and their files', () => {
    const dir = lineProject();
    writeFiles(dir, { 'models/staging/stg_a.sql': "select * from {{ ref('c') }}" });
    const project = load(dir);
    expect(() => buildOrder(project)).toThrow(UsageError);
    expect(() => buildOrder(project)).toThrow(
      /cycle: (stg_a -> int_b -> c -> stg_a|int_b -> c -> stg_a -> int_b|c -> stg_a -> int_b -> c) \(.*models\/staging\/stg_a\.sql.*\)/,
    );
    expect(() => buildOrder(project)).toThrow(/models\/intermediate\/int_b\.sql/);
    expect(() => buildOrder(project)).toThrow(/models\/marts\/c\.sql/);
  });

  it('refuses an unknown ref, naming the file and line', () => {
    const dir = lineProject();
    writeFiles(dir, { 'models/marts/c.sql': "select *\nfrom {{ ref('int_b') }}\njoin {{ ref('int_nope') }} using (id)" });
    expect(loadError(dir).message).toBe("models/marts/c.sql line 3: ref('int_nope') names no model or seed of this project.");
  });

  it('refuses a source no YAML declares, naming the file and line', () => {
    const dir = lineProject();
    writeFiles(dir, { 'models/staging/stg_a.sql': "-- raw\nselect * from {{ source('stripe', 'widgets') }}" });
    expect(loadError(dir).message).toBe(
      "models/staging/stg_a.sql line 2: source('stripe', 'widgets') is not declared in any sources: block of the YAML under models/.",
    );
  });

  it('refuses two models with one name, naming both files', () => {
    const dir = lineProject();
    writeFiles(dir, { 'models/marts/stg_a.sql': 'select 2 as id' });
    expect(loadError(dir).message).toBe(
      'Two models are named stg_a: models/marts/stg_a.sql and models/staging/stg_a.sql; model and seed names must be unique in the project.',
    );
  });

  it('refuses a seed named like a model', () => {
    const dir = lineProject();
    writeFiles(dir, { 'seeds/c.csv': 'x\n1\n' });
    expect(loadError(dir).message).toMatch(/Two models are named c: models\/marts\/c\.sql and seeds\/c\.csv/);
  });

  it('refuses a model outside the layer folders', () => {
    const dir = lineProject();
    writeFiles(dir, { 'models/reporting/d.sql': 'select 1' });
    expect(loadError(dir).message).toMatch(/^models\/reporting\/d\.sql is not in a layer folder/);
  });

  it.each([
    ["select {{ ref('stg_a') ", "models/marts/c.sql line 1: the template tag opened here is never closed with }}."],
    ["select 1\n{% if var('mrr.discounts') == 'all' %}1{% endif %}", 'models/marts/c.sql line 2: {% ... %} blocks are not supported; use {{ var(...) }} inside a SQL case expression instead.'],
    ["select 1\n\n{{ macro('x') }}", 'models/marts/c.sql line 3: unknown template function macro(); the templates know ref, source, var and config.'],
    ["{{ config(materialized='incremental') }}\nselect 1", `models/marts/c.sql line 1: materialized must be 'view' or 'table', got "incremental".`],
    ["{{ config(schema='x') }}\nselect 1", "models/marts/c.sql line 1: config() takes only materialized='view' or materialized='table'."],
    ["select {{ ref(stg_a) }}", 'models/marts/c.sql line 1: cannot read {{ ref(stg_a) }}: arguments must be quoted strings, numbers, true, false or none.'],
  ])('refuses a template error with file and line: %s', (sql, message) => {
    const dir = lineProject();
    writeFiles(dir, { 'models/marts/c.sql': sql });
    expect(loadError(dir).message).toBe(message);
  });

  it('renders vars, uses a var default, and refuses an unknown var naming the file and line', () => {
    const dir = lineProject();
    writeFiles(dir, {
      'models/marts/c.sql': "select '{{ var('now') }}'::timestamptz as now_at, '{{ var('reporting_currency') }}' as currency, {{ var('missing', 7) }} as fallback, '{{ var('timezone') }}' as tz",
    });
    const sql = load(dir, { ...settings, now: '2026-01-31T23:00:00.000Z', reporting_currency: 'eur', timezone: 'Europe/Berlin' }).nodes.get('c')!.sql;
    expect(sql).toBe("select '2026-01-31T23:00:00.000Z'::timestamptz as now_at, 'eur' as currency, 7 as fallback, 'Europe/Berlin' as tz");
    writeFiles(dir, { 'models/marts/c.sql': "select 1 as a,\n  {{ var('mrr.discount') }} as typo" });
    expect(loadError(dir).message).toMatch(/^models\/marts\/c\.sql line 2: var\('mrr\.discount'\) is not set; the vars are .*mrr\.discounts.*now.*reporting_currency.*timezone/);
  });

  it('takes materialization from the file header over the YAML, the YAML over the layer default', () => {
    const dir = lineProject();
    writeFiles(dir, {
      'models/staging/stg_a.sql': "{{ config(materialized='table') }}\nselect 1 as id",
      'models/marts/c.sql': "{{ config(materialized='view') }} select * from {{ ref('int_b') }}",
      'models/intermediate/int_b.sql': "select * from {{ ref('stg_a') }}",
      'models/intermediate/_int.yml': 'models:\n  - name: int_b\n    config:\n      materialized: view\n  - name: c\n    config: { materialized: table }\n',
    });
    const project = load(dir);
    expect(project.nodes.get('stg_a')!.materialized).toBe('table');
    expect(project.nodes.get('int_b')!.materialized).toBe('view');
    expect(project.nodes.get('c')!.materialized).toBe('view');
    writeFiles(dir, { 'models/intermediate/_int.yml': 'models: []\n', 'models/marts/c.sql': 'select 1' });
    expect(load(dir).nodes.get('int_b')!.materialized).toBe('table');
    expect(load(dir).nodes.get('c')!.materialized).toBe('table');
  });

  it('refuses bad YAML with the file, key and line', () => {
    const dir = lineProject();
    writeFiles(dir, { 'models/marts/_marts.yml': 'models:\n  - name: c\n    descripton: typo\n' });
    expect(loadError(dir).message).toBe('models/marts/_marts.yml line 2: models[0] has an unknown key "descripton".');
    writeFiles(dir, { 'models/marts/_marts.yml': 'models:\n  - name: c\n    columns:\n      - name: id\n        tests: [unique, uniq]\n' });
    expect(loadError(dir).message).toBe(
      'models/marts/_marts.yml line 5: model c, column id: unknown test "uniq" (the tests are unique, not_null, accepted_values, relationships, or a SQL file in models/tests/).',
    );
    writeFiles(dir, { 'models/marts/_marts.yml': 'models:\n  - name: c\n    columns:\n      - name: id\n        tests:\n          - accepted_values: { value: [1] }\n' });
    expect(loadError(dir).message).toBe(
      'models/marts/_marts.yml line 6: model c, column id: accepted_values has an unknown argument "value" (it takes column_name, values, quote).',
    );
    writeFiles(dir, { 'models/marts/_marts.yml': 'models:\n  - name: c\n    tests:\n      - relationships: { to: "ref(\'nope\')", field: id, column_name: id }\n' });
    expect(loadError(dir).message).toBe("models/marts/_marts.yml line 4: ref('nope') names no model or seed of this project.");
    writeFiles(dir, { 'models/marts/_marts.yml': 'models:\n  - name: c\n   description: [\n' });
    expect(loadError(dir).message).toMatch(/^models\/marts\/_marts\.yml line 3 is not valid YAML: /);
  });

  it('warns about YAML that documents a model with no file, and refuses a model documented twice', () => {
    const dir = lineProject();
    writeFiles(dir, { 'models/marts/_marts.yml': 'models:\n  - name: c\n  - name: gone\n    description: An old mart.\n' });
    expect(load(dir).warnings).toEqual(['models/marts/_marts.yml documents a model gone that has no .sql file under models/; its docs and tests are ignored.']);
    writeFiles(dir, { 'models/marts/_more.yml': 'models:\n  - name: c\n' });
    expect(loadError(dir).message).toBe('c is documented twice, in models/marts/_marts.yml and models/marts/_more.yml; keep one entry.');
  });
});

describe('--select', () => {
  const names = (set: Set<string>) => [...set].sort();
  it('selects a model, everything downstream with model+, everything upstream with +model, several at once', () => {
    const project = load(copyFixture('shop'));
    expect(names(selectNodes(project, []))).toEqual(['customers', 'fx_rates', 'int_customer_revenue', 'stg_stripe__customers', 'stg_stripe__invoices']);
    expect(names(selectNodes(project, ['int_customer_revenue']))).toEqual(['int_customer_revenue']);
    expect(names(selectNodes(project, ['stg_stripe__invoices+']))).toEqual(['customers', 'int_customer_revenue', 'stg_stripe__invoices']);
    expect(names(selectNodes(project, ['+int_customer_revenue']))).toEqual(['int_customer_revenue', 'stg_stripe__invoices']);
    expect(names(selectNodes(project, ['fx_rates', '+int_customer_revenue+']))).toEqual(['customers', 'fx_rates', 'int_customer_revenue', 'stg_stripe__invoices']);
    // A model selected on its own earlier is still walked through.
    expect(names(selectNodes(project, ['int_customer_revenue', '+customers']))).toEqual(names(selectNodes(project, [])));
  });

  it('refuses a selector naming no model', () => {
    const project = load(copyFixture('shop'));
    expect(() => selectNodes(project, ['customer+'])).toThrow('--select customer+ names no model or seed of this project.');
  });
});
