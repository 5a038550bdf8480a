import type { SqlSession, Warehouse } from '../../warehouse/warehouse.js';
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
 *
 * The ids are noted while the objects are in hand (meta.stripe_customer_refs,
 * written with the page that brought them) and cleared by the run that checks
 * them, so a run that dies in between leaves them for the next one.
 */
export const CUSTOMER_REFS_TABLE = 'meta.stripe_customer_refs';

/** The customer ids an object names in its stream's customer fields (an id, or an expanded customer). */
export function customerRefs(definition: StreamDefinition, objects: readonly StripeObject[]): string[] {
  if (definition.customerFields.length === 0) return [];
  const refs = new Set<string>();
  for (const object of objects) {
    for (const field of definition.customerFields) {
      const value = object[field];
      const id = typeof value === 'string' ? value : value && typeof value === 'object' ? (value as { id?: unknown }).id : undefined;
      if (typeof id === 'string' && id.startsWith('cus_')) refs.add(id);
    }
  }
  return [...refs];
}

export async function recordCustomerRefs(session: SqlSession, refs: readonly string[]): Promise<void> {
  if (refs.length === 0) return;
  await session.run(`insert into ${CUSTOMER_REFS_TABLE} (ref) select unnest(?::varchar[])`, [[...new Set(refs)]]);
}

/** Forgets the noted ids: run in the transaction that stores what the check found. */
export async function clearCustomerRefs(session: SqlSession): Promise<void> {
  await session.run(`delete from ${CUSTOMER_REFS_TABLE}`);
}

/** Noted ids, and those in the given streams' staged rows, that no customer row or staged customer has. */
export async function findMissingCustomers(warehouse: Warehouse, sources: { stagedStreams: readonly StreamDefinition[] }): Promise<string[]> {
  const selects = [`select ref from ${CUSTOMER_REFS_TABLE}`];
  for (const definition of sources.stagedStreams) {
    for (const field of definition.customerFields) {
      const path = `'$.${field}'`;
      // Staging holds one run's changes, small enough to read whole. A field may hold an id or, when expanded, the object.
      selects.push(`select coalesce(json_extract_string(data, ${path} || '.id'), json_extract_string(data, ${path})) as ref from ${stagingTable(definition.name)}`);
    }
  }
  const rows = await warehouse.all<{ ref: string }>(
    `select distinct ref from (${selects.join(' union all ')}) refs
     where ref like 'cus_%'
       and ref not in (select id from ${rawTable('customers')})
       and ref not in (select id from ${stagingTable('customers')})
     order by ref`,
  );
  return rows.map((row) => row.ref);
}

export async function stageMissingCustomers(context: { writer: StagingWriter; reader: StripeReader; pool: RequestPool }, ids: readonly string[]): Promise<void> {
  const definition = streamByName('customers')!;
  const syncedAt = new Date();
  const batchSize = 200;
  for (let i = 0; i < ids.length; i += batchSize) {
    const rows = (await Promise.all(ids.slice(i, i + batchSize).map((id) => retrieveCustomer(context, definition, id, syncedAt)))).flat();
    await context.writer.write({ rows }).committed;
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
