import { randomBytes } from 'node:crypto';
import type { ExpressionBuilder, Kysely } from 'kysely';
import { WorkError } from '../../../errors/index.js';
import type { WarehouseSchema } from '../../../warehouse/schema.js';
import type { Warehouse } from '../../../warehouse/warehouse.js';
import { describeResolved, parseCustomerRef, resolveCustomer, type CustomerRef, type Resolution } from './customer.js';

/**
 * Notes, calls, tasks and tags typed in Tributary: the CRM-native context of
 * a customer, stored in the `crm` schema, which imports, extracts and builds
 * never write. Every function validates the customer against the last build
 * (when there is one) before writing.
 */
type ContextTable = 'crm.notes' | 'crm.tasks' | 'crm.tags';

export interface Target {
  readonly ref: CustomerRef;
  readonly resolution: Resolution;
  /** A sentence for the user: which customer this went to, or that it attaches at the next build. */
  readonly description: string;
}

/** The customer as typed, checked against marts.customers when a build exists. */
export async function findTarget(warehouse: Warehouse, customer: string): Promise<Target> {
  const ref = parseCustomerRef(customer);
  const resolution = await resolveCustomer(warehouse, ref);
  if (resolution.status === 'unknown') {
    throw new WorkError(
      `No customer in marts.customers matches '${ref.key}'; check the ${ref.kind === 'email' ? 'email' : 'id'}, or run \`tributary build\` if the customer arrived since the last build.`,
    );
  }
  const description =
    resolution.status === 'resolved'
      ? `customer ${describeResolved(resolution)}`
      : `${ref.key} (no build yet: it attaches to its customer at the next \`tributary build\`)`;
  return { ref, resolution, description };
}

function customerColumns(target: Target) {
  return {
    customer_key: target.ref.key,
    key_kind: target.ref.kind,
    email: target.ref.email ?? (target.resolution.status === 'resolved' ? target.resolution.email : null),
    customer_id: target.resolution.status === 'resolved' ? target.resolution.customerId : null,
  };
}

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export interface NoteInput {
  readonly kind: 'note' | 'call';
  readonly body: string;
  readonly occurredAt: Date;
  readonly durationMinutes?: number | null;
  readonly author?: string | null;
}

export async function addNote(db: Kysely<WarehouseSchema>, target: Target, note: NoteInput): Promise<string> {
  const noteId = newId(note.kind === 'call' ? 'call' : 'note');
  await db
    .insertInto('crm.notes')
    .values({
      note_id: noteId,
      kind: note.kind,
      ...customerColumns(target),
      body: note.body,
      occurred_at: note.occurredAt,
      duration_minutes: note.durationMinutes ?? null,
      author: note.author ?? null,
      created_at: new Date(),
    })
    .execute();
  return noteId;
}

export interface TaskInput {
  readonly subject: string;
  /** YYYY-MM-DD. */
  readonly dueDate?: string | null;
  readonly author?: string | null;
}

export async function addTask(db: Kysely<WarehouseSchema>, target: Target, task: TaskInput): Promise<string> {
  const taskId = newId('task');
  await db
    .insertInto('crm.tasks')
    .values({
      task_id: taskId,
      ...customerColumns(target),
      subject: task.subject,
      due_date: task.dueDate ?? null,
      status: 'open',
      author: task.author ?? null,
      created_at: new Date(),
      completed_at: null,
    })
    .execute();
  return taskId;
}

/** Marks tasks done (or open again); an unknown id is an error naming it, and nothing changes. */
export async function setTasksDone(db: Kysely<WarehouseSchema>, taskIds: readonly string[], done: boolean): Promise<{ taskId: string; subject: string; changed: boolean }[]> {
  const found = await db.selectFrom('crm.tasks').select(['task_id', 'subject', 'status']).where('task_id', 'in', taskIds).execute();
  const missing = taskIds.filter((id) => !found.some((task) => task.task_id === id));
  if (missing.length) throw new WorkError(`No task with id ${missing.map((id) => `'${id}'`).join(', ')}; \`tributary crm list <customer>\` shows a customer's tasks.`);
  const wanted = done ? 'done' : 'open';
  const toChange = found.filter((task) => task.status !== wanted).map((task) => task.task_id);
  if (toChange.length) {
    await db
      .updateTable('crm.tasks')
      .set({ status: wanted, completed_at: done ? new Date() : null })
      .where('task_id', 'in', toChange)
      .execute();
  }
  return taskIds.map((id) => {
    const task = found.find((candidate) => candidate.task_id === id)!;
    return { taskId: id, subject: task.subject, changed: toChange.includes(id) };
  });
}

/** Adds tags; one the customer already has (in any letter case) is left as it is. */
export async function addTags(db: Kysely<WarehouseSchema>, target: Target, tags: readonly string[], author?: string | null): Promise<{ added: string[]; present: string[] }> {
  const current = await tagsOf(db, target);
  const added: string[] = [];
  const present: string[] = [];
  for (const tag of normalizeTags(tags)) {
    if ([...current, ...added].some((existing) => existing.toLowerCase() === tag.toLowerCase())) present.push(tag);
    else added.push(tag);
  }
  if (added.length) {
    await db
      .insertInto('crm.tags')
      .values(added.map((tag) => ({ ...customerColumns(target), tag, author: author ?? null, created_at: new Date() })))
      .execute();
  }
  return { added, present };
}

export async function removeTags(db: Kysely<WarehouseSchema>, target: Target, tags: readonly string[]): Promise<{ removed: string[]; absent: string[] }> {
  const current = await tagsOf(db, target);
  const removed: string[] = [];
  const absent: string[] = [];
  for (const tag of normalizeTags(tags)) {
    const matches = current.filter((existing) => existing.toLowerCase() === tag.toLowerCase());
    if (matches.length === 0) {
      absent.push(tag);
      continue;
    }
    removed.push(...matches);
    await db
      .deleteFrom('crm.tags')
      .where((eb) => sameCustomer(eb, target))
      .where('tag', 'in', matches)
      .execute();
  }
  return { removed, absent };
}

function normalizeTags(tags: readonly string[]): string[] {
  const clean = tags.map((tag) => tag.trim()).filter((tag) => tag !== '');
  if (clean.length === 0) throw new WorkError('Give at least one tag.');
  // The first spelling of a tag given twice in different cases is the one kept.
  const byKey = new Map<string, string>();
  for (const tag of clean) if (!byKey.has(tag.toLowerCase())) byKey.set(tag.toLowerCase(), tag);
  return [...byKey.values()];
}

async function tagsOf(db: Kysely<WarehouseSchema>, target: Target): Promise<string[]> {
  const rows = await db.selectFrom('crm.tags').select('tag').where((eb) => sameCustomer(eb, target)).execute();
  return [...new Set(rows.map((row) => row.tag))];
}

/**
 * Context written under another name for the same customer counts too: a tag
 * added by email shows when the customer is listed by its Stripe id.
 */
function sameCustomer(eb: ExpressionBuilder<WarehouseSchema, ContextTable>, target: Target) {
  const columns = customerColumns(target);
  const alternatives = [eb('customer_key', '=', columns.customer_key)];
  if (columns.customer_id) alternatives.push(eb('customer_id', '=', columns.customer_id), eb('customer_key', '=', columns.customer_id));
  if (columns.email) alternatives.push(eb('email', '=', columns.email));
  return eb.or(alternatives);
}

export interface CustomerContext {
  readonly notes: { note_id: string; kind: string; body: string; occurred_at: Date; duration_minutes: number | null; author: string | null }[];
  readonly tasks: { task_id: string; subject: string; due_date: Date | null; status: string; completed_at: Date | null }[];
  readonly tags: string[];
}

export async function listContext(db: Kysely<WarehouseSchema>, target: Target): Promise<CustomerContext> {
  const notes = await db
    .selectFrom('crm.notes')
    .select(['note_id', 'kind', 'body', 'occurred_at', 'duration_minutes', 'author'])
    .where((eb) => sameCustomer(eb, target))
    .orderBy('occurred_at', 'desc')
    .orderBy('note_id')
    .execute();
  const tasks = await db
    .selectFrom('crm.tasks')
    .select(['task_id', 'subject', 'due_date', 'status', 'completed_at'])
    .where((eb) => sameCustomer(eb, target))
    .orderBy('status', 'desc')
    .orderBy('due_date')
    .orderBy('task_id')
    .execute();
  return { notes, tasks, tags: (await tagsOf(db, target)).sort((a, b) => a.localeCompare(b)) };
}

export { parseCustomerRef };
