import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addNote, addTags, findTarget, listContext, removeTags } from '../../extract/crm/context/activities.js';
import { parseCustomerRef } from '../../extract/crm/context/customer.js';
import { importCrmFiles } from '../../extract/crm/importCrm.js';
import { UsageError, WorkError } from '../../errors/index.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { fixture, runCli, snapshotCrm, tempDir, withWarehouse } from './support.js';

let dir: ReturnType<typeof tempDir>;
let db: string;

beforeEach(() => {
  dir = tempDir('tributary-crm-context-');
  db = join(dir.path, 'warehouse.duckdb');
});

afterEach(() => dir.remove());

/** A stand-in for the build's marts.customers, with the columns the models give it. */
async function buildCustomers(warehouse: Warehouse): Promise<void> {
  await warehouse.run('create schema if not exists marts');
  await warehouse.run(`create or replace table marts.customers (customer_id varchar, email varchar, name varchar, stripe_customer_ids varchar[], crm_record_ids varchar[])`);
  await warehouse.run(`insert into marts.customers values
    ('cus_Ada1', 'Ada@Example.com', 'Ada Lovelace', ['cus_Ada1', 'cus_Ada2'], ['hubspot:51']),
    ('crm:salesforce:00Q5e00000XYZ01EAA', 'prospect@example.com', 'Pat Prospect', [], ['salesforce:00Q5e00000XYZ01EAA'])`);
}

describe('customer references', () => {
  it('accepts a Stripe id, a CRM record or an email, and nothing else', () => {
    expect(parseCustomerRef('cus_Ada1')).toEqual({ key: 'cus_Ada1', kind: 'stripe_customer', email: null });
    expect(parseCustomerRef('crm:hubspot:51')).toEqual({ key: 'crm:hubspot:51', kind: 'crm_record', email: null });
    expect(parseCustomerRef(' Ada@Example.COM ')).toEqual({ key: 'ada@example.com', kind: 'email', email: 'ada@example.com' });
    expect(() => parseCustomerRef('Ada Lovelace')).toThrow(UsageError);
    expect(() => parseCustomerRef('crm:zoho:1')).toThrow("'crm:zoho:1' names an unknown CRM system 'zoho'; systems are hubspot, salesforce, pipedrive, generic.");
    expect(() => parseCustomerRef('ada@')).toThrow("'ada@' is not a valid email address.");
  });

  it('after a build, resolves each kind of reference to its customer and refuses unknown ones', async () => {
    await withWarehouse(db, async (warehouse) => {
      await buildCustomers(warehouse);
      expect((await findTarget(warehouse, 'cus_Ada2')).description).toBe('customer cus_Ada1 (Ada Lovelace, ada@example.com)');
      expect((await findTarget(warehouse, 'ADA@example.com')).description).toBe('customer cus_Ada1 (Ada Lovelace, ada@example.com)');
      expect((await findTarget(warehouse, 'crm:hubspot:51')).description).toBe('customer cus_Ada1 (Ada Lovelace, ada@example.com)');
      expect((await findTarget(warehouse, 'crm:salesforce:00Q5e00000XYZ01EAA')).description).toBe(
        'customer crm:salesforce:00Q5e00000XYZ01EAA (Pat Prospect, prospect@example.com)',
      );
      await expect(findTarget(warehouse, 'cus_Nobody')).rejects.toThrow(WorkError);
      await expect(findTarget(warehouse, 'nobody@example.com')).rejects.toThrow(
        "No customer in marts.customers matches 'nobody@example.com'; check the email, or run `tributary build` if the customer arrived since the last build.",
      );
    });
  });

  it('shows context written under another name for the same customer', async () => {
    await withWarehouse(db, async (warehouse) => {
      await buildCustomers(warehouse);
      await addTags(warehouse.db, await findTarget(warehouse, 'ada@example.com'), ['VIP', 'enterprise', 'vip']);
      await addNote(warehouse.db, await findTarget(warehouse, 'crm:hubspot:51'), { kind: 'note', body: 'Met at the conference', occurredAt: new Date('2026-05-01T10:00:00Z') });
      const byStripeId = await findTarget(warehouse, 'cus_Ada2');
      const context = await listContext(warehouse.db, byStripeId);
      expect(context.tags).toEqual(['enterprise', 'VIP']);
      expect(context.notes.map((note) => note.body)).toEqual(['Met at the conference']);
      expect(await removeTags(warehouse.db, byStripeId, ['vip', 'unknown'])).toEqual({ removed: ['VIP'], absent: ['unknown'] });
      expect((await listContext(warehouse.db, byStripeId)).tags).toEqual(['enterprise']);
    });
  });
});

describe('tributary crm', () => {
  it('adds notes, calls, tasks and tags before any build, stored as typed for the next build to attach', async () => {
    const note = await runCli(['crm', 'note', 'Ada@Example.com', 'Asked about annual billing'], { db });
    expect(note.status, note.stderr).toBe(0);
    expect(note.stdout).toMatch(/^note note_[0-9a-f]{8} added to ada@example.com \(no build yet: it attaches to its customer at the next `tributary build`\)\n$/);

    const call = await runCli(['crm', 'call', 'cus_Ada1', 'Renewal', 'call,', 'happy', '--minutes', '20', '--at', '2026-06-01T14:30:00Z'], { db });
    expect(call.status, call.stderr).toBe(0);
    const task = await runCli(['crm', 'task', 'crm:hubspot:51', 'Send the security questionnaire', '--due', '2026-07-01'], { db });
    expect(task.status, task.stderr).toBe(0);
    const taskId = /task (task_[0-9a-f]{8}) added/.exec(task.stdout)![1]!;
    const tag = await runCli(['crm', 'tag', 'ada@example.com', 'enterprise', 'churn-risk'], { db });
    expect(tag.stdout).toContain("tagged ada@example.com (no build yet: it attaches to its customer at the next `tributary build`): 'enterprise', 'churn-risk'");

    await withWarehouse(db, async (warehouse) => {
      expect(await warehouse.all('select kind, customer_key, key_kind, email, customer_id, body, occurred_at, duration_minutes from crm.notes order by kind')).toEqual([
        { kind: 'call', customer_key: 'cus_Ada1', key_kind: 'stripe_customer', email: null, customer_id: null, body: 'Renewal call, happy', occurred_at: new Date('2026-06-01T14:30:00Z'), duration_minutes: 20 },
        { kind: 'note', customer_key: 'ada@example.com', key_kind: 'email', email: 'ada@example.com', customer_id: null, body: 'Asked about annual billing', occurred_at: expect.any(Date), duration_minutes: null },
      ]);
      expect(await warehouse.all(`select task_id, customer_key, key_kind, subject, strftime(due_date, '%Y-%m-%d') as due, status, completed_at from crm.tasks`)).toEqual([
        { task_id: taskId, customer_key: 'crm:hubspot:51', key_kind: 'crm_record', subject: 'Send the security questionnaire', due: '2026-07-01', status: 'open', completed_at: null },
      ]);
      expect(await warehouse.all('select customer_key, tag from crm.tags order by tag')).toEqual([
        { customer_key: 'ada@example.com', tag: 'churn-risk' },
        { customer_key: 'ada@example.com', tag: 'enterprise' },
      ]);
    });

    const done = await runCli(['crm', 'done', taskId], { db });
    expect(done.stdout).toBe(`task ${taskId} (Send the security questionnaire) done\n`);
    const removed = await runCli(['crm', 'tag', 'ada@example.com', 'churn-risk', '--remove'], { db });
    expect(removed.stdout).toContain("removed 'churn-risk' from ada@example.com");
    const list = await runCli(['crm', 'list', 'ada@example.com'], { db });
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('tags: enterprise');
    expect(list.stdout).toContain('Asked about annual billing');
    await withWarehouse(db, async (warehouse) => {
      expect(await warehouse.one('select status, completed_at is not null as completed from crm.tasks')).toEqual({ status: 'done', completed: true });
    });
  });

  it('after a build, names the customer it resolved to, and refuses an unknown one without writing', async () => {
    await withWarehouse(db, buildCustomers);
    const note = await runCli(['crm', 'note', 'cus_Ada2', 'Prefers email'], { db });
    expect(note.status, note.stderr).toBe(0);
    expect(note.stdout).toMatch(/^note note_[0-9a-f]{8} added to customer cus_Ada1 \(Ada Lovelace, ada@example.com\)\n$/);
    await withWarehouse(db, async (warehouse) => {
      expect(await warehouse.one('select customer_key, key_kind, email, customer_id from crm.notes')).toEqual({
        customer_key: 'cus_Ada2',
        key_kind: 'stripe_customer',
        email: 'ada@example.com',
        customer_id: 'cus_Ada1',
      });
    });
    const before = await snapshotCrm(db);
    const unknown = await runCli(['crm', 'tag', 'nobody@example.com', 'vip'], { db });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe("error: No customer in marts.customers matches 'nobody@example.com'; check the email, or run `tributary build` if the customer arrived since the last build.\n");
    const notACustomer = await runCli(['crm', 'note', 'Ada', 'hello'], { db });
    expect(notACustomer.status).toBe(2);
    const unknownTask = await runCli(['crm', 'done', 'task_00000000'], { db });
    expect(unknownTask.status).toBe(1);
    expect(unknownTask.stderr).toContain("No task with id 'task_00000000'");
    expect(await snapshotCrm(db)).toEqual(before);
  });

  it('a build leaves the crm schema as it was', async () => {
    const note = await runCli(['crm', 'note', 'ada@example.com', 'Renewal in June'], { db });
    expect(note.status, note.stderr).toBe(0);
    const tag = await runCli(['crm', 'tag', 'crm:hubspot:51', 'champion'], { db });
    expect(tag.status, tag.stderr).toBe(0);
    const before = await snapshotCrm(db);
    const build = await runCli(['build'], { db });
    expect(build.status, build.stderr).toBe(0);
    const after = await snapshotCrm(db);
    for (const table of ['crm.notes', 'crm.tasks', 'crm.tags']) expect(after[table], table).toEqual(before[table]);
  });

  it('imports, re-imports and newer exports never touch the crm schema', async () => {
    await withWarehouse(db, async (warehouse) => {
      await addNote(warehouse.db, await findTarget(warehouse, 'emailmaria@hubspot.com'), { kind: 'note', body: 'Champion', occurredAt: new Date('2026-01-01T00:00:00Z') });
      await addTags(warehouse.db, await findTarget(warehouse, 'crm:hubspot:51'), ['champion']);
    });
    const crmTables = async () => {
      const snapshot = await snapshotCrm(db);
      return { notes: snapshot['crm.notes'], tasks: snapshot['crm.tasks'], tags: snapshot['crm.tags'] };
    };
    const before = await crmTables();
    const newer = join(dir.path, 'newer-contacts.csv');
    writeFileSync(newer, 'Record ID,Email,First Name,Lifecycle Stage\n51,emailmaria@hubspot.com,Maria,evangelist\n');
    await withWarehouse(db, async (warehouse) => {
      await importCrmFiles({ warehouse, files: [fixture('hubspot/contacts.csv')] });
      await importCrmFiles({ warehouse, files: [fixture('hubspot/contacts.csv')] });
      await importCrmFiles({ warehouse, files: [newer] });
      expect(await warehouse.one(`select lifecycle_stage from raw_crm.contacts where record_id = '51'`)).toEqual({ lifecycle_stage: 'evangelist' });
    });
    expect(await crmTables()).toEqual(before);
    expect((before.notes as { n: number }).n).toBe(1);
  });
});
