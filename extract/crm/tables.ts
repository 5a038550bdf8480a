import { quoteIdentifier, quoteLiteral } from '../../warehouse/bulkLoad.js';
import type { SqlSession } from '../../warehouse/warehouse.js';
import { provenanceColumns, rawCrmTables, type ParsedColumn } from './rawTables.js';
import type { CrmObjectType } from './types.js';

/**
 * A batch of parsed rows reaches DuckDB as one appended value: the staged
 * rows of rows.ts joined by line breaks. Appending one value per batch instead
 * of twenty per row takes the appender off the critical path (each appended
 * value costs a crossing into native code); DuckDB splits the batch apart and
 * types the columns in C++.
 */
export const stagingColumns = [{ name: 'payload', type: 'varchar' }] as const;
export const stagingTable = 'crm_import_staging';

export interface StagedImport {
  readonly importId: string;
  readonly file: string;
  readonly system: string;
  readonly objectType: CrmObjectType;
  readonly crmObject: string;
}

/** Parsed values as typed SQL expressions over `p`, the parsed array as VARCHAR[] (1-based). */
function typedExpression(column: ParsedColumn, position: number): string {
  const cell = `p[${position}]`;
  switch (column.type) {
    case 'varchar':
      return cell;
    case 'timestamptz':
      return `cast(${cell} as timestamptz)`;
    case 'date':
      return `cast(${cell} as date)`;
    case 'bigint':
      return `cast(${cell} as bigint)`;
    case 'varchar[]':
      return `from_json(${cell}, '["VARCHAR"]')`;
  }
}

/** Moves the staged batches into the import's table, typed. */
export function insertFromStagingSql(staged: StagedImport): string {
  const table = rawCrmTables[staged.objectType];
  const names = [...provenanceColumns, ...table.columns.map((column) => column.name), 'data'].map(quoteIdentifier).join(', ');
  const values = table.columns.map((column, i) => typedExpression(column, i + 1)).join(', ');
  return `
    insert into raw_crm.${table.table} (${names})
    select ${quoteLiteral(staged.importId)}, ${quoteLiteral(staged.file)}, cast(f[1] as bigint), ${quoteLiteral(staged.system)}, ${quoteLiteral(staged.objectType)}, ${quoteLiteral(staged.crmObject)}, ${values}, f[3]
    from (
      select f, json_extract_string(f[2], [${table.columns.map((_, i) => `'$[${i}]'`).join(', ')}]) as p
      from (select string_split(unnest(string_split(payload, chr(10))), chr(9)) as f from ${stagingTable})
    )`;
}

/**
 * A record id the file repeats: the last line wins (an export lists a record
 * once; a repeat is a later edit appended by hand or a second export pasted
 * in). The earlier rows become issues and leave the table.
 */
export async function supersedeDuplicates(tx: SqlSession, staged: StagedImport, recordIdColumn: string): Promise<number> {
  const table = `raw_crm.${rawCrmTables[staged.objectType].table}`;
  const check = await tx.one<{ duplicates: number }>(
    `select count(record_id) - count(distinct record_id) as duplicates from ${table} where import_id = ?`,
    [staged.importId],
  );
  if (!check?.duplicates) return 0;
  await tx.run(
    `create temp table crm_import_duplicates as
     select line, record_id, kept_line from (
       select line, record_id, max(line) over (partition by record_id) as kept_line
       from ${table} where import_id = ? and record_id is not null
     ) where line <> kept_line`,
    [staged.importId],
  );
  await tx.run(
    `insert into raw_crm.import_issues (import_id, file, line, column_name, value, reason)
     select ?, ?, line, ?, record_id, 'duplicate record id: line ' || kept_line || ' has the same record id and is kept in place of this row'
     from crm_import_duplicates`,
    [staged.importId, staged.file, recordIdColumn],
  );
  await tx.run(`delete from ${table} where import_id = ? and line in (select line from crm_import_duplicates)`, [staged.importId]);
  await tx.run('drop table crm_import_duplicates');
  return check.duplicates;
}
