import type { StripeObject, StripeReader } from './client.js';
import { completeSubLists, embeddedRows, objectRow, PAGE_SIZE } from './objects.js';
import type { RequestPool } from './pool.js';
import type { ProgressListener } from './progress.js';
import type { RawRow } from './rawTables.js';
import type { StagingWriter } from './stagingWriter.js';
import { StripeNotFound } from './retry.js';
import { objectsNamedByDiscount, streamByName, streamForEventObject, type StreamDefinition } from './streams.js';

/**
 * Incremental sync: the events since the cursor name what changed; each named
 * object is refetched once by id (event payloads lack our expansions and may
 * be older than the object), deletions are marked, and append-only streams
 * are listed by `created` since their cursor. Everything is staged here; the
 * caller merges it and advances the cursors in one transaction.
 */

/** Events are re-read this far before the cursor: an event may become visible a little after its `created` second. Re-reading is harmless. */
export const CURSOR_OVERLAP_SECONDS = 60;
/** Stripe lists events for 30 days; a cursor older than this falls back to a full read. */
export const STALE_CURSOR_SECONDS = 29 * 86_400;

export interface IncrementalContext {
  readonly writer: StagingWriter;
  readonly reader: StripeReader;
  readonly pool: RequestPool;
  readonly emit: ProgressListener;
}

export interface StreamProgress {
  objects: number;
  pages: number;
  readonly startedAtMs: number;
}

/** (stream, event) pairs whose objects were refetched: recorded so a later run's overlap skips them. */
export interface AppliedEvent {
  readonly stream: string;
  readonly eventId: string;
  readonly created: number;
}

export interface IncrementalPlan {
  /** Streams kept current through events: refetched by id when an event names one of their objects. */
  readonly eventDriven: readonly StreamDefinition[];
  /** Oldest events cursor among them (epoch seconds, server time). */
  readonly eventsCursor: number | undefined;
  /** Append-only streams with their own created cursor; `events` among them is filled from the same event listing. */
  readonly createdMode: readonly { definition: StreamDefinition; cursor: number }[];
  /** Keys `${stream}\u0000${eventId}` of events already applied by an earlier run (within the overlap). */
  readonly applied: ReadonlySet<string>;
}

export interface StagedChanges {
  readonly progress: Map<string, StreamProgress>;
  /** Events applied this run, to record with the cursors. */
  readonly applied: AppliedEvent[];
}

interface ChangedObject {
  readonly definition: StreamDefinition;
  readonly id: string;
  deleted: boolean;
  /** The most recent payload an event carried, kept for deletions of objects we never held. */
  payload: StripeObject | undefined;
  payloadCreated: number;
}

/** Stages every change since the cursors; returns what was read per stream and the events applied. */
export async function stageIncrementalChanges(context: IncrementalContext, plan: IncrementalPlan): Promise<StagedChanges> {
  const progress = new Map<string, StreamProgress>();
  const progressOf = (stream: string): StreamProgress => {
    let entry = progress.get(stream);
    if (!entry) {
      entry = { objects: 0, pages: 0, startedAtMs: Date.now() };
      progress.set(stream, entry);
    }
    return entry;
  };
  for (const definition of plan.eventDriven) progressOf(definition.name);
  for (const { definition } of plan.createdMode) progressOf(definition.name);

  const eventsStream = plan.createdMode.find((entry) => entry.definition.name === 'events');
  const changes = new Map<string, ChangedObject>();
  const applied: AppliedEvent[] = [];
  const eventDrivenNames = new Set(plan.eventDriven.map((definition) => definition.name));
  const cursors = [plan.eventDriven.length > 0 ? plan.eventsCursor : undefined, eventsStream?.cursor].filter((value): value is number => value !== undefined);

  if (cursors.length > 0) {
    const since = Math.min(...cursors) - CURSOR_OVERLAP_SECONDS;
    await listSince(context, eventsStream?.definition ?? eventsDefinition(), since, async (events, syncedAt) => {
      for (const event of events) noteChange(changes, event, eventDrivenNames, plan.applied, applied);
      if (eventsStream) {
        await context.writer.write({ rows: events.map((event) => ({ stream: 'events', row: objectRow(event, syncedAt) })) }).committed;
        const entry = progressOf('events');
        entry.objects += events.length;
        entry.pages++;
        context.emit({ type: 'stream_progress', stream: 'events', objects: entry.objects, pages: entry.pages, requests: context.reader.stats.requests });
      }
    });
  }

  await refetchChanged(context, [...changes.values()], progressOf);

  for (const { definition, cursor } of plan.createdMode) {
    if (definition.name === 'events') continue;
    await listSince(context, definition, cursor - CURSOR_OVERLAP_SECONDS, async (objects, syncedAt) => {
      const completed = await Promise.all(objects.map((object) => completeSubLists(context.reader, context.pool, definition, object)));
      await context.writer.write({ rows: completed.map((object) => ({ stream: definition.name, row: objectRow(object, syncedAt) })) }).committed;
      const entry = progressOf(definition.name);
      entry.objects += objects.length;
      entry.pages++;
      context.emit({ type: 'stream_progress', stream: definition.name, objects: entry.objects, pages: entry.pages, requests: context.reader.stats.requests });
    });
  }
  return { progress, applied };
}

/**
 * Records what an event says changed. A deletion is final: Stripe never reuses
 * an id. An event an earlier run already applied to a stream (re-read in the
 * cursor overlap) changes nothing for that stream.
 */
export function noteChange(
  changes: Map<string, ChangedObject>,
  event: StripeObject,
  eventDriven: ReadonlySet<string>,
  alreadyApplied: ReadonlySet<string> = new Set(),
  appliedNow: AppliedEvent[] = [],
): void {
  const data = event['data'] as { object?: StripeObject } | undefined;
  const object = data?.object;
  if (!object || typeof object.object !== 'string') return;
  const created = typeof event.created === 'number' ? event.created : 0;
  const targets: { definition: StreamDefinition; id: string; deletion: boolean }[] = [];
  if (object.object === 'discount') {
    for (const named of objectsNamedByDiscount(object)) {
      const definition = streamForEventObject(named.stream === 'customers' ? 'customer' : 'subscription');
      if (definition) targets.push({ definition, id: named.id, deletion: false });
    }
  } else {
    const definition = streamForEventObject(object.object);
    // Upcoming invoices have no id: there is nothing to refetch.
    if (definition && typeof object.id === 'string' && object.id !== '') {
      targets.push({ definition, id: object.id, deletion: event['type'] === `${definition.objectType}.deleted` && object.object === definition.objectType });
    }
  }
  for (const target of targets) {
    if (!eventDriven.has(target.definition.name)) continue;
    if (alreadyApplied.has(`${target.definition.name}\u0000${event.id}`)) continue;
    appliedNow.push({ stream: target.definition.name, eventId: event.id, created });
    const key = `${target.definition.name}\u0000${target.id}`;
    let change = changes.get(key);
    if (!change) {
      change = { definition: target.definition, id: target.id, deleted: false, payload: undefined, payloadCreated: -Infinity };
      changes.set(key, change);
    }
    if (target.deletion) change.deleted = true;
    const isOwnPayload = object.object === target.definition.objectType && object.id === target.id;
    if (isOwnPayload && (created >= change.payloadCreated || target.deletion)) {
      change.payload = object;
      change.payloadCreated = created;
    }
  }
}

const REFETCH_BATCH = 200;

async function refetchChanged(context: IncrementalContext, changes: readonly ChangedObject[], progressOf: (stream: string) => StreamProgress): Promise<void> {
  for (let i = 0; i < changes.length; i += REFETCH_BATCH) {
    const batch = changes.slice(i, i + REFETCH_BATCH);
    const syncedAt = new Date();
    const rows = (await Promise.all(batch.map((change) => refetchOne(context, change, syncedAt)))).flat();
    await context.writer.write({ rows }).committed;
    for (const change of batch) {
      const entry = progressOf(change.definition.name);
      entry.objects++;
      context.emit({ type: 'stream_progress', stream: change.definition.name, objects: entry.objects, pages: entry.pages, requests: context.reader.stats.requests });
    }
  }
}

/** The rows one changed object yields: itself (or its deletion) and its embedded copies. */
async function refetchOne(context: IncrementalContext, change: ChangedObject, syncedAt: Date): Promise<{ stream: string; row: RawRow }[]> {
  const { definition, id } = change;
  const deletion = (stub?: StripeObject): { stream: string; row: RawRow }[] => [
    { stream: definition.name, row: { id, data: change.payload ?? stub ?? { id, object: definition.objectType, deleted: true }, deleted: true, syncedAt } },
  ];
  if (change.deleted) return deletion();
  if (!definition.retrieve) return [];
  let object: StripeObject;
  try {
    const params = definition.expand.length > 0 ? { expand: [...definition.expand] } : {};
    object = await context.pool.run(() => context.reader.read(`${definition.name}: ${definition.objectType} ${id}`, (api) => definition.retrieve!(api, id, params)));
  } catch (error) {
    if (error instanceof StripeNotFound) return deletion();
    throw error;
  }
  if (object.deleted === true) return deletion(object);
  await completeSubLists(context.reader, context.pool, definition, object);
  return [{ stream: definition.name, row: objectRow(object, syncedAt) }, ...embeddedRows(definition, object, syncedAt)];
}

/** Lists a stream by created >= since, newest first, handing over each page as it arrives. */
async function listSince(
  context: IncrementalContext,
  definition: StreamDefinition,
  since: number,
  onPage: (objects: StripeObject[], syncedAt: Date) => Promise<void>,
): Promise<void> {
  let startingAfter: string | undefined;
  const expand = definition.expand.map((path) => `data.${path}`);
  for (;;) {
    const params: Record<string, unknown> = { limit: PAGE_SIZE, created: { gte: since }, ...definition.listParams };
    if (expand.length > 0) params['expand'] = expand;
    if (startingAfter) params['starting_after'] = startingAfter;
    const what = `${definition.name}: the page of objects created since ${new Date(since * 1000).toISOString()}${startingAfter ? ` after ${startingAfter}` : ''}`;
    const page = await context.pool.run(() => context.reader.read(what, (api) => definition.list!(api, params)));
    if (page.data.length > 0) await onPage(page.data, new Date());
    if (!page.has_more || page.data.length === 0) return;
    startingAfter = page.data[page.data.length - 1]!.id;
  }
}

function eventsDefinition(): StreamDefinition {
  const definition = streamByName('events');
  if (!definition) throw new Error('The stream registry has no events stream.');
  return definition;
}
