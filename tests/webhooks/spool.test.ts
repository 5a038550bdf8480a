import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventSpool, spoolDirFor } from '../../extract/webhooks/spool.js';
import type { WebhookEvent } from '../../extract/webhooks/verify.js';
import { removeTempDirs, tempDir } from '../refresh/support.js';

afterEach(removeTempDirs);

function event(id: string, created = 1_781_524_800): { event: WebhookEvent; body: Buffer } {
  const body = Buffer.from(`{\n  "id": "${id}",\n  "object": "event",\n  "type": "invoice.paid",\n  "created": ${created},\n  "data": {"object": {"id": "in_1", "object": "invoice"}}\n}`);
  return { event: JSON.parse(body.toString()) as WebhookEvent, body };
}

describe('the webhook event spool', () => {
  it('lives beside the warehouse', () => {
    expect(spoolDirFor('data/warehouse.duckdb')).toBe('data/warehouse.webhooks');
    expect(spoolDirFor('/srv/w/prod.duckdb')).toBe('/srv/w/prod.webhooks');
  });

  it('stores an event as one whole file holding the body verbatim and its arrival', () => {
    const spool = new EventSpool(join(tempDir(), 'spool'));
    const { event: e, body } = event('evt_1Stored');
    expect(spool.store(e, body, new Date('2026-06-15T12:00:01Z'))).toBe('stored');
    expect(readdirSync(spool.pendingDir)).toEqual(['evt_1Stored.json']);
    const text = readFileSync(join(spool.pendingDir, 'evt_1Stored.json'), 'utf8');
    expect(text).toContain(body.toString());
    expect(JSON.parse(text)).toEqual({
      id: 'evt_1Stored',
      type: 'invoice.paid',
      created: 1_781_524_800,
      received_at: '2026-06-15T12:00:01.000Z',
      event: JSON.parse(body.toString()),
    });
    expect(spool.pending()).toEqual([{ id: 'evt_1Stored', type: 'invoice.paid', created: 1_781_524_800, receivedAt: new Date('2026-06-15T12:00:01Z') }]);
  });

  it('stores the same event id once, before and after it was applied', () => {
    const spool = new EventSpool(join(tempDir(), 'spool'));
    const { event: e, body } = event('evt_1Twice');
    expect(spool.store(e, body)).toBe('stored');
    expect(spool.store(e, body)).toBe('duplicate');
    expect(spool.pending().map((p) => p.id)).toEqual(['evt_1Twice']);
    spool.markApplied(['evt_1Twice']);
    expect(spool.pending()).toEqual([]);
    expect(spool.applied().map((p) => p.id)).toEqual(['evt_1Twice']);
    expect(spool.store(e, body)).toBe('duplicate');
    expect(spool.pending()).toEqual([]);
  });

  it('survives a new instance (a restart) with its pending events in arrival order', () => {
    const dir = join(tempDir(), 'spool');
    const first = new EventSpool(dir);
    first.store(event('evt_1B').event, event('evt_1B').body, new Date('2026-06-15T12:00:02Z'));
    first.store(event('evt_1A').event, event('evt_1A').body, new Date('2026-06-15T12:00:03Z'));
    first.store(event('evt_1C').event, event('evt_1C').body, new Date('2026-06-15T12:00:01Z'));
    const second = new EventSpool(dir);
    expect(second.pending().map((p) => p.id)).toEqual(['evt_1C', 'evt_1B', 'evt_1A']);
  });

  it('ignores temporaries of a crash mid-write and removes them when pruning, with applied events past the retention', () => {
    const spool = new EventSpool(join(tempDir(), 'spool'));
    writeFileSync(join(spool.pendingDir, '.evt_1Half.1234abcd.tmp'), '{"id": "evt_1Ha');
    expect(spool.pending()).toEqual([]);
    spool.store(event('evt_1Old').event, event('evt_1Old').body, new Date('2026-06-01T00:00:00Z'));
    spool.store(event('evt_1New').event, event('evt_1New').body, new Date('2026-06-14T00:00:00Z'));
    spool.markApplied(['evt_1Old', 'evt_1New']);
    expect(spool.prune(Date.parse('2026-06-15T00:00:00Z'))).toBe(1);
    expect(spool.applied().map((p) => p.id)).toEqual(['evt_1New']);
    expect(existsSync(join(spool.pendingDir, '.evt_1Half.1234abcd.tmp'))).toBe(false);
  });
});
