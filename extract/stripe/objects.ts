import type { StripeList, StripeObject, StripeReader } from './client.js';
import type { RequestPool } from './pool.js';
import type { RawRow } from './rawTables.js';
import type { StreamDefinition } from './streams.js';
import type { ObjectText, WantedFields } from './listText.js';

/**
 * Turning objects as listed or retrieved into the rows we store: truncated
 * embedded lists paged to the end, and expanded objects that belong to
 * another stream (payment methods) copied out.
 */
export const PAGE_SIZE = 100;

interface EmbeddedList {
  object: 'list';
  data: StripeObject[];
  has_more: boolean;
  [field: string]: unknown;
}

function isEmbeddedList(value: unknown): value is EmbeddedList {
  return Boolean(value) && typeof value === 'object' && (value as { object?: unknown }).object === 'list' && Array.isArray((value as { data?: unknown }).data);
}

/** How many sub-list requests the object needs (0 when every embedded list is whole). */
export function truncatedSubLists(stream: StreamDefinition, object: StripeObject): number {
  return stream.subLists.filter((sub) => isEmbeddedList(object[sub.field]) && (object[sub.field] as EmbeddedList).has_more).length;
}

/**
 * Pages every truncated embedded list of the object from its start and puts
 * the whole list in place with has_more false. Reading from the start rather
 * than after the 10th entry does not rely on the embedded order matching the
 * sub-list's, and costs the same request for lists of up to 100 entries.
 */
export async function completeSubLists(reader: StripeReader, pool: RequestPool, stream: StreamDefinition, object: StripeObject): Promise<StripeObject> {
  for (const sub of stream.subLists) {
    const embedded = object[sub.field];
    if (!isEmbeddedList(embedded) || !embedded.has_more) continue;
    const all: StripeObject[] = [];
    let startingAfter: string | undefined;
    for (;;) {
      const params: Record<string, unknown> = { limit: PAGE_SIZE };
      if (startingAfter) params['starting_after'] = startingAfter;
      const what = `${stream.name}: ${stream.objectType} ${object.id} ${sub.label}${startingAfter ? ` after ${startingAfter}` : ''}`;
      const page: StripeList = await pool.run(() => reader.read(what, (api) => sub.list(api, object.id, params)));
      all.push(...page.data);
      if (!page.has_more || page.data.length === 0) break;
      startingAfter = page.data[page.data.length - 1]!.id;
    }
    object[sub.field] = { ...embedded, data: all, has_more: false };
  }
  return object;
}

/** Expanded objects inside `object` that belong to another stream, e.g. a customer's default payment method. */
export function embeddedRows(stream: StreamDefinition, object: StripeObject, syncedAt: Date): { stream: string; row: RawRow }[] {
  const out: { stream: string; row: RawRow }[] = [];
  for (const copy of stream.embedded) {
    let value: unknown = object;
    for (const key of copy.path) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    if (value && typeof value === 'object' && typeof (value as StripeObject).id === 'string' && typeof (value as StripeObject).object === 'string') {
      out.push({ stream: copy.stream, row: { id: (value as StripeObject).id, data: JSON.stringify(value), deleted: false, syncedAt } });
    }
  }
  return out;
}

const wantedByStream = new WeakMap<StreamDefinition, WantedFields>();

/** What a page of the stream is split for: the fields routingFields reads and the embedded lists to complete. */
export function wantedFields(stream: StreamDefinition): WantedFields {
  let wanted = wantedByStream.get(stream);
  if (!wanted) {
    wanted = {
      fields: [...new Set(['id', 'object', 'created', 'deleted', ...stream.customerFields, ...stream.embedded.map((copy) => copy.path[0]!)])],
      lists: stream.subLists.map((sub) => sub.field),
    };
    wantedByStream.set(stream, wanted);
  }
  return wanted;
}

/**
 * The top-level fields the extractor routes a listed object on: its identity,
 * the customer fields, and the fields holding embedded copies.
 */
export function routingFields(stream: StreamDefinition, listed: ObjectText): StripeObject {
  // Every field read here is one wantedFields names.
  const object: StripeObject = { id: listed.field('id') as string, object: listed.field('object') as string };
  const created = listed.field('created');
  if (typeof created === 'number') object.created = created;
  if (listed.field('deleted') === true) object.deleted = true;
  for (const field of stream.customerFields) object[field] = listed.field(field);
  for (const copy of stream.embedded) object[copy.path[0]!] = listed.field(copy.path[0]!);
  return object;
}

/**
 * The row for an object, its JSON text made at once: a page's parsed objects
 * take several times the memory of their text, and many pages wait for their
 * commit at the same time.
 */
export function objectRow(object: StripeObject, syncedAt: Date): RawRow {
  return { id: object.id, data: JSON.stringify(object), deleted: object.deleted === true, syncedAt };
}

/** Groups rows by stream, so a page is staged with one statement per table. */
export function groupByStream(entries: readonly { stream: string; row: RawRow }[]): Map<string, RawRow[]> {
  const grouped = new Map<string, RawRow[]>();
  for (const entry of entries) {
    const list = grouped.get(entry.stream) ?? [];
    list.push(entry.row);
    grouped.set(entry.stream, list);
  }
  return grouped;
}
