import { userInfo } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { loadSettings } from '../../config/settings.js';
import {
  addNote,
  addTags,
  addTask,
  findTarget,
  listContext,
  removeTags,
  setTasksDone,
  type CustomerContext,
} from '../../extract/crm/context/activities.js';
import { dateCell, instantCell } from '../../extract/crm/values.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { renderTable } from '../output.js';
import { openForWriting } from '../writerWarehouse.js';

const HELP = `
What it does:
  Keeps sales context next to the Stripe data: notes, call logs, tasks and tags on a
  customer, stored in the warehouse's crm schema. Imports, extracts and builds never
  write there, and nothing here writes to Stripe. The next build attaches the context
  to its customer (marts.crm_activities, marts.customers.tags).

  <customer> is a Stripe customer id (cus_...), a CRM record (crm:<system>:<record id>,
  e.g. crm:hubspot:51), or an email address. After a build the customer is checked
  against marts.customers and the command says which customer it went to; before the
  first build it is stored as given and attaches at the next build.

Settings (environment or .env):
  TRIBUTARY_DB           the warehouse file (default data/warehouse.duckdb)

Examples:
  $ tributary crm note cus_Q1x2y3 "Asked about annual billing; send a quote"
  $ tributary crm call ada@example.com "Renewal call, happy with the product" --minutes 20
  $ tributary crm task crm:hubspot:51 "Send the security questionnaire" --due 2026-07-01
  $ tributary crm done task_3f9a2c10
  $ tributary crm tag ada@example.com enterprise churn-risk
  $ tributary crm tag ada@example.com churn-risk --remove
  $ tributary crm list ada@example.com
`;

export function registerCrm(program: Command): void {
  const crm = program.command('crm').description('Add notes, calls, tasks and tags to a customer (stored in the crm schema).').addHelpText('after', HELP);

  crm
    .command('note')
    .description('Add a note to a customer.')
    .argument('<customer>', 'cus_..., crm:<system>:<record id>, or an email')
    .argument('<text...>', 'the note')
    .option('--at <time>', 'when it happened (default: now), e.g. 2026-06-01 or 2026-06-01T14:30Z', parseInstant)
    .action((customer: string, text: string[], options: { at?: Date }) =>
      withWarehouse(async (warehouse) => {
        const target = await findTarget(warehouse, customer);
        const id = await addNote(warehouse.db, target, { kind: 'note', body: text.join(' '), occurredAt: options.at ?? new Date(), author: author() });
        say(`note ${id} added to ${target.description}`);
      }),
    );

  crm
    .command('call')
    .description('Log a call with a customer.')
    .argument('<customer>', 'cus_..., crm:<system>:<record id>, or an email')
    .argument('<summary...>', 'what was said')
    .option('--at <time>', 'when the call took place (default: now)', parseInstant)
    .option('--minutes <n>', 'how long it lasted', parseMinutes)
    .action((customer: string, summary: string[], options: { at?: Date; minutes?: number }) =>
      withWarehouse(async (warehouse) => {
        const target = await findTarget(warehouse, customer);
        const id = await addNote(warehouse.db, target, {
          kind: 'call',
          body: summary.join(' '),
          occurredAt: options.at ?? new Date(),
          durationMinutes: options.minutes ?? null,
          author: author(),
        });
        say(`call ${id} logged for ${target.description}`);
      }),
    );

  crm
    .command('task')
    .description('Add an open task about a customer.')
    .argument('<customer>', 'cus_..., crm:<system>:<record id>, or an email')
    .argument('<subject...>', 'what is to be done')
    .option('--due <date>', 'due date, e.g. 2026-07-01', parseDate)
    .action((customer: string, subject: string[], options: { due?: string }) =>
      withWarehouse(async (warehouse) => {
        const target = await findTarget(warehouse, customer);
        const id = await addTask(warehouse.db, target, { subject: subject.join(' '), dueDate: options.due ?? null, author: author() });
        say(`task ${id} added for ${target.description}${options.due ? `, due ${options.due}` : ''}; complete it with \`tributary crm done ${id}\``);
      }),
    );

  crm
    .command('done')
    .description('Mark tasks done (or open again with --reopen).')
    .argument('<task-id...>', 'ids as shown by add and list')
    .option('--reopen', 'mark them open again')
    .action((taskIds: string[], options: { reopen?: boolean }) =>
      withWarehouse(async (warehouse) => {
        for (const task of await setTasksDone(warehouse.db, taskIds, !options.reopen)) {
          say(`task ${task.taskId} (${task.subject}) ${task.changed ? (options.reopen ? 'reopened' : 'done') : `was already ${options.reopen ? 'open' : 'done'}`}`);
        }
      }),
    );

  crm
    .command('tag')
    .description('Tag a customer (or remove tags with --remove).')
    .argument('<customer>', 'cus_..., crm:<system>:<record id>, or an email')
    .argument('<tag...>', 'one or more tags')
    .option('--remove', 'remove these tags instead')
    .action((customer: string, tags: string[], options: { remove?: boolean }) =>
      withWarehouse(async (warehouse) => {
        const target = await findTarget(warehouse, customer);
        if (options.remove) {
          const { removed, absent } = await removeTags(warehouse.db, target, tags);
          if (removed.length) say(`removed ${list(removed)} from ${target.description}`);
          if (absent.length) say(`${target.ref.key} had no tag ${list(absent)}`);
        } else {
          const { added, present } = await addTags(warehouse.db, target, tags, author());
          if (added.length) say(`tagged ${target.description}: ${list(added)}`);
          if (present.length) say(`already tagged ${list(present)}`);
        }
      }),
    );

  crm
    .command('list')
    .description("Show a customer's notes, calls, tasks and tags.")
    .argument('<customer>', 'cus_..., crm:<system>:<record id>, or an email')
    .action((customer: string) =>
      withWarehouse(async (warehouse) => {
        const target = await findTarget(warehouse, customer);
        say(renderContext(target.description, await listContext(warehouse.db, target)));
      }),
    );
}

async function withWarehouse(work: (warehouse: Warehouse) => Promise<void>): Promise<void> {
  const warehouse = await openForWriting('crm', { path: loadSettings().TRIBUTARY_DB });
  try {
    await work(warehouse);
  } finally {
    await warehouse.close();
  }
}

function renderContext(who: string, context: CustomerContext): string {
  const lines = [who, `tags: ${context.tags.length ? context.tags.join(', ') : '(none)'}`];
  if (context.tasks.length) {
    lines.push('tasks:');
    lines.push(renderTable(['id', 'status', 'due', 'subject'], context.tasks.map((task) => [task.task_id, task.status, task.due_date ? day(task.due_date) : '', task.subject])));
  } else lines.push('tasks: (none)');
  if (context.notes.length) {
    lines.push('notes and calls:');
    lines.push(
      renderTable(
        ['id', 'kind', 'when', 'by', 'text'],
        context.notes.map((note) => [note.note_id, note.kind + (note.duration_minutes ? ` (${note.duration_minutes} min)` : ''), minute(note.occurred_at), note.author ?? '', note.body]),
      ),
    );
  } else lines.push('notes and calls: (none)');
  return lines.join('\n');
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function minute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function list(items: readonly string[]): string {
  return items.map((item) => `'${item}'`).join(', ');
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Who typed it, for the record; the OS user is all a CLI knows. */
function author(): string | null {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}

function parseInstant(value: string): Date {
  const parsed = instantCell.safeParse(value);
  if (!parsed.success || parsed.data === null) throw new InvalidArgumentError('expected a date or time such as 2026-06-01 or 2026-06-01T14:30Z.');
  return new Date(parsed.data);
}

function parseDate(value: string): string {
  const parsed = dateCell.safeParse(value);
  if (!parsed.success || parsed.data === null) throw new InvalidArgumentError('expected a date such as 2026-07-01.');
  return parsed.data;
}

function parseMinutes(value: string): number {
  const minutes = Number(value);
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > 24 * 60) throw new InvalidArgumentError('expected whole minutes, e.g. 20.');
  return minutes;
}
