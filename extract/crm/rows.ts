import type { z } from 'zod';
import type { ColumnMap } from './columnMap.js';
import type { ResolvedColumns } from './detect.js';
import { rawCrmTables } from './rawTables.js';
import type { CrmField, ImportIssue } from './types.js';
import {
  currencyCell,
  dateCell,
  domainCell,
  emailCell,
  emailListCell,
  firstIdCell,
  idListCell,
  instantCell,
  nameListCell,
  parseAmount,
  trimToNull,
  type CellContext,
} from './values.js';

/** Everything a row processor needs, as plain data so it can cross into a worker thread. */
export interface RowPlan {
  readonly map: ColumnMap;
  readonly columns: ResolvedColumns;
  readonly headers: readonly string[];
  readonly context: CellContext;
}

/**
 * Rows ready for the warehouse, as text: per row the line number, the parsed
 * columns as a JSON array and the verbatim row as a JSON object, separated by
 * tabs; rows separated by `\n`. JSON escapes every tab and line break, so a
 * batch is one string DuckDB splits apart (see tables.ts). The string grows by
 * concatenation and is copied flat once, when it leaves for the warehouse.
 */
export class StagedBatch {
  private text = '';
  rows = 0;

  add(line: number, parsed: string, data: string): void {
    this.text += this.rows === 0 ? `${line}\t${parsed}\t${data}` : `\n${line}\t${parsed}\t${data}`;
    this.rows++;
  }

  payload(): string {
    return this.text;
  }
}

const cellSchemas: Partial<Record<CrmField, z.ZodType<unknown, string>>> = {
  email: emailCell,
  company_id: firstIdCell,
  domain: domainCell,
  created_at: instantCell,
  currency: currencyCell,
  close_date: dateCell,
  contact_ids: idListCell,
  contact_emails: emailListCell,
  contact_names: nameListCell,
};

const listFields = new Set<CrmField>(['contact_ids', 'contact_emails', 'contact_names']);
const maxIssueValueLength = 500;

/**
 * Turns parsed CSV records into staged rows and issues. A bad value never
 * drops a row: its field is left null and the problem becomes an issue.
 */
export class RowProcessor {
  /** The verbatim row's keys, and the same as JSON strings. */
  private readonly names: string[];
  private readonly keys: string[];
  private readonly plainObjectKeys: boolean;
  private readonly rowObject: Record<string, string> = {};
  private readonly headerLine: string;
  private readonly output: readonly { field: CrmField; columns: readonly number[] }[];
  /** Without a record id column, a row's key is its email. */
  private readonly keyedByEmail: boolean;

  constructor(private readonly plan: RowPlan) {
    this.names = plan.headers.map((header, i) => dataKey(plan.headers, header, i));
    this.keys = this.names.map((name) => JSON.stringify(name));
    this.plainObjectKeys = !this.names.some((name) => /^(0|[1-9]\d*)$/.test(name) || name === '__proto__');
    this.headerLine = plan.headers.map((header) => header.trim()).join('\u0000');
    this.output = rawCrmTables[plan.map.objectType].columns.map((column) => {
      const field = (column.name === 'amount_minor' ? 'amount' : column.name) as CrmField;
      return { field, columns: plan.columns[field] ?? [] };
    });
    this.keyedByEmail = !plan.columns.record_id;
  }

  /**
   * One record of the file onto the batch. Rows that are not records (an
   * empty line, a repeated header row) are left out, with an issue where it
   * matters.
   */
  process(cells: string[], line: number, issues: ImportIssue[], batch: StagedBatch): void {
    if (cells.length === 1 && cells[0] === '') return;
    const first = cells[0];
    if (first !== undefined && first.charCodeAt(0) === 0xfeff) {
      cells[0] = first.slice(1);
      issues.push({ line, column: this.plan.headers[0] ?? null, value: null, reason: 'a byte-order mark in the middle of the file (two exports joined into one?); it was removed' });
    }
    if (cells.length === this.plan.headers.length && cells[0]!.trim() === this.plan.headers[0]!.trim() && cells.map((cell) => cell.trim()).join('\u0000') === this.headerLine) {
      issues.push({ line, column: null, value: null, reason: 'this line repeats the header row (two exports joined into one?); it is not a record and was skipped' });
      return;
    }
    if (cells.length !== this.plan.headers.length) {
      issues.push({
        line,
        column: null,
        value: String(cells.length),
        reason: `the row has ${cells.length} fields where the header has ${this.plan.headers.length}; cells are kept by position${cells.length > this.plan.headers.length ? ', the extra ones under "column N"' : ''}`,
      });
    }
    const values: unknown[] = [];
    let amountIndex = -1;
    let currency: string | null = null;
    for (const { field, columns } of this.output) {
      if (field === 'amount') {
        amountIndex = values.length;
        values.push(null);
        continue;
      }
      const value = listFields.has(field) ? this.listValue(field, columns, cells, line, issues) : this.scalarValue(field, columns, cells, line, issues);
      if (field === 'currency') currency = value as string | null;
      values.push(value);
    }
    if (amountIndex >= 0) values[amountIndex] = this.amountValue(cells, line, currency, issues, values);
    if (this.keyedByEmail) {
      // record_id is the first parsed column of every table.
      values[0] = this.scalarValue('email', this.plan.columns.email ?? [], cells, line, []);
    }
    if (values[0] === null) {
      issues.push({
        line,
        column: null,
        value: null,
        reason: this.keyedByEmail ? 'no email, the only identifying column: the row is kept but no later export can update it' : 'no record id: the row is kept but no later export can update it',
      });
    }
    batch.add(line, JSON.stringify(values), this.dataJson(cells));
  }

  private scalarValue(field: CrmField, columns: readonly number[], cells: readonly string[], line: number, issues: ImportIssue[]): unknown {
    const schema = cellSchemas[field];
    for (const column of columns) {
      const cell = cells[column];
      if (cell === undefined || cell === '') continue;
      if (!schema) {
        const text = trimToNull(cell);
        if (text !== null) return text;
        continue;
      }
      const result = schema.safeParse(cell);
      if (result.success) {
        if (result.data !== null) return result.data;
      } else {
        issues.push(this.issue(line, column, cell, result.error.issues[0]?.message ?? 'invalid value'));
      }
    }
    return null;
  }

  private listValue(field: CrmField, columns: readonly number[], cells: readonly string[], line: number, issues: ImportIssue[]): unknown {
    const schema = cellSchemas[field]!;
    const items: string[] = [];
    for (const column of columns) {
      const cell = cells[column];
      if (cell === undefined || cell === '') continue;
      const result = schema.safeParse(cell);
      if (result.success) items.push(...((result.data as string[] | null) ?? []));
      else for (const problem of result.error.issues) issues.push(this.issue(line, column, cell, problem.message));
    }
    return items.length ? [...new Set(items)] : null;
  }

  private amountValue(cells: readonly string[], line: number, currency: string | null, issues: ImportIssue[], values: unknown[]): number | null {
    for (const column of this.plan.columns.amount ?? []) {
      const cell = cells[column];
      if (cell === undefined || cell.trim() === '') continue;
      const parsed = parseAmount(cell, currency, this.plan.context);
      if (typeof parsed === 'string') {
        issues.push(this.issue(line, column, cell, parsed));
        continue;
      }
      // `USD 1,500.00` names the currency when no column does.
      if (currency === null && parsed.currency !== null) {
        const currencyIndex = this.output.findIndex((output) => output.field === 'currency');
        if (currencyIndex >= 0) values[currencyIndex] = parsed.currency;
      }
      return parsed.minor;
    }
    return null;
  }

  private issue(line: number, column: number, value: string, reason: string): ImportIssue {
    return {
      line,
      column: this.plan.headers[column]?.trim() ?? `column ${column + 1}`,
      value: value.length > maxIssueValueLength ? `${value.slice(0, maxIssueValueLength)}…` : value,
      reason,
    };
  }

  /**
   * The row verbatim as a JSON object keyed by header. JSON.stringify of a
   * plain object is the fastest way to one flat string; a header that is a
   * number would move to the front of a JS object's keys (and `__proto__`
   * would not be a key at all), so such files take the slower, literal way.
   */
  private dataJson(cells: readonly string[]): string {
    if (this.plainObjectKeys && cells.length === this.names.length) {
      // One object for every full-length row: same keys, same order, no allocation per row.
      const row = this.rowObject;
      for (let i = 0; i < cells.length; i++) row[this.names[i]!] = cells[i]!;
      return JSON.stringify(row);
    }
    if (this.plainObjectKeys && cells.length < this.names.length) {
      const row: Record<string, string> = {};
      for (let i = 0; i < cells.length; i++) row[this.names[i]!] = cells[i]!;
      return JSON.stringify(row);
    }
    const members = new Array<string>(cells.length);
    for (let i = 0; i < cells.length; i++) {
      members[i] = `${i < this.keys.length ? this.keys[i] : JSON.stringify(`column ${i + 1}`)}:${JSON.stringify(cells[i])}`;
    }
    return `{${members.join(',')}}`;
  }
}

/** The key a column's cells get in the verbatim JSON: its header, made unique and never empty. */
export function dataKey(headers: readonly string[], header: string, index: number): string {
  const name = header.replace(/^\uFEFF/, '');
  if (name.trim() === '') return `column ${index + 1}`;
  const earlier = headers.slice(0, index).some((other) => other.replace(/^\uFEFF/, '') === name);
  return earlier ? `${name} (column ${index + 1})` : name;
}
