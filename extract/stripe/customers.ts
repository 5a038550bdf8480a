import type { Warehouse } from '../../warehouse/warehouse.js';
import type { StripeObject, StripeReader } from './client.js';
import { completeSubLists, embeddedRows, objectRow } from './objects.js';
import type { RequestPool } from './pool.js';
import { rawTable, stagingTable, type RawRow } from './rawTables.js';
import type { StagingWriter } from './stagingWriter.js';
import { StripeNotFound } from './retry.js';
import { streamByName, streams, type StreamDefinition } from './streams.js';

/**
 * Stripe's customer list leaves deleted customers out, yet their invoices,
 * charges and subscriptions stay. Customers that other objects name and we do
 * not hold are retrieved by id (Stripe answers with a deleted stub), so every
 * reference resolves to a row.
 */
export async function findMissingCustomers(
  warehouse: Warehouse,
  sources: {
    /** Raw rows stored since then are checked (all when undefined): a run that died after its merges leaves them unchecked. */
    rawSince: Date | undefined;
    /** Streams whose staged rows (merged at the end of this run) are checked too. */
    stagedStreams: readonly StreamDefinition[];
  },
): Promise<string[]> {
  const selects: string[] = [];
  const params: unknown[] = [];
  const add = (table: string, field: string, since?: Date) => {
    const path = `'$.${field}'`;
    // A field may hold an id or, when expanded, the object itself.
    selects.push(`select coalesce(json_extract_string(data, ${path} || '.id'), json_extract_string(data, ${path})) as ref from ${table}${since ? ' where synced_at >= ?' : ''}`);
    if (since) params.push(since);
  };
  for (const definition of streams) for (const field of definition.customerFields) add(rawTable(definition.name), field, sources.rawSince);
  for (const definition of sources.stagedStreams) for (const field of definition.customerFields) add(stagingTable(definition.name), field);
  if (selects.length === 0) return [];
  const rows = await warehouse.all<{ ref: string }>(
    `select distinct ref from (${selects.join(' union all ')}) refs
     where ref is not null and ref like 'cus_%'
       and ref not in (select id from ${rawTable('customers')})
       and ref not in (select id from ${stagingTable('customers')})
     order by ref`,
    params,
  );
  return rows.map((row) => row.ref);
}

export async function stageMissingCustomers(context: { writer: StagingWriter; reader: StripeReader; pool: RequestPool }, ids: readonly string[]): Promise<void> {
  const definition = streamByName('customers')!;
  const syncedAt = new Date();
  const batchSize = 200;
  for (let i = 0; i < ids.length; i += batchSize) {
    const rows = (await Promise.all(ids.slice(i, i + batchSize).map((id) => retrieveCustomer(context, definition, id, syncedAt)))).flat();
    await context.writer.write({ rows });
  }
}

async function retrieveCustomer(context: { reader: StripeReader; pool: RequestPool }, definition: StreamDefinition, id: string, syncedAt: Date): Promise<{ stream: string; row: RawRow }[]> {
  let customer: StripeObject;
  try {
    customer = await context.pool.run(() =>
      context.reader.read(`customers: customer ${id} (named by other objects, absent from the customer list)`, (api) => definition.retrieve!(api, id, { expand: [...definition.expand] })),
    );
  } catch (error) {
    if (!(error instanceof StripeNotFound)) throw error;
    customer = { id, object: 'customer', deleted: true };
  }
  if (customer.deleted === true) return [{ stream: 'customers', row: { id, data: customer, deleted: true, syncedAt } }];
  await completeSubLists(context.reader, context.pool, definition, customer);
  return [{ stream: 'customers', row: objectRow(customer, syncedAt) }, ...embeddedRows(definition, customer, syncedAt)];
}
