import { describe, expect, it } from 'vitest';
import { splitListPage } from '../../extract/stripe/listText.js';

const wanted = { fields: ['id', 'created', 'customer', 'default_payment_method'], lists: ['lines'] };

/** Objects with what a scanner can trip on: escaped quotes and backslashes, braces in strings, non-ASCII, nested lists, nulls. */
const objects = [
  {
    id: 'in_1',
    object: 'invoice',
    created: 1_700_000_000,
    customer: 'cus_a',
    description: 'He said "hi" \\ then {left} [and] went, "quietly"\\',
    metadata: { 'key with "quote"': 'value}', nested: { lines: { has_more: true } } },
    lines: { object: 'list', data: [{ id: 'il_1', discounts: [], period: { start: 1, end: 2 } }], has_more: false, total_count: 1, url: '/v1/invoices/in_1/lines' },
    default_payment_method: null,
  },
  {
    id: 'in_2',
    object: 'invoice',
    created: 1_700_000_100,
    customer: { id: 'cus_b', object: 'customer', name: 'Zoë Ñandú 東京 😀' },
    lines: { object: 'list', url: '/v1/invoices/in_2/lines', has_more: true, total_count: 40, data: [{ id: 'il_2', nested: { object: 'list', has_more: false, data: [] } }] },
    amount_due: -12.5e3,
    paid: true,
  },
  { id: 'in_3', object: 'invoice' },
];

function body(space?: number): Buffer {
  return Buffer.from(JSON.stringify({ object: 'list', data: objects, has_more: true, url: '/v1/invoices' }, null, space));
}

describe('splitting a list page into object texts', () => {
  for (const [label, space] of [['compact', undefined], ['pretty-printed as Stripe sends it', 2]] as const) {
    it(`${label}: each text parses to the object, and the asked-for fields match it`, () => {
      const page = splitListPage(body(space), wanted)!;
      expect(page.object).toBe('list');
      expect(page.has_more).toBe(true);
      expect(page.url).toBe('/v1/invoices');
      expect(page.data).toHaveLength(objects.length);
      page.data.forEach((text, i) => {
        const original = objects[i] as Record<string, unknown>;
        expect(JSON.parse(text.text)).toEqual(original);
        for (const field of wanted.fields) expect(text.field(field)).toEqual(original[field]);
        const lines = original['lines'] as { has_more: boolean } | undefined;
        expect(text.listHasMore('lines')).toBe(lines?.has_more ?? false);
      });
    });
  }

  it('puts a pretty-printed object on one line without changing what it says', () => {
    const page = splitListPage(body(2), wanted)!;
    for (const [i, text] of page.data.entries()) {
      const line = text.oneLine().toString('utf8');
      expect(line).not.toMatch(/[\r\n]/);
      expect(JSON.parse(line)).toEqual(objects[i]);
    }
  });

  it('refuses to guess: a field it was not asked for is an error, and a body that is not a list is not split', () => {
    const page = splitListPage(body(), wanted)!;
    expect(() => page.data[0]!.field('status')).toThrow(/status was not asked for/);
    expect(splitListPage(Buffer.from(JSON.stringify({ id: 'cus_1', object: 'customer' })), wanted)).toBeUndefined();
    expect(splitListPage(Buffer.from('[1, 2]'), wanted)).toBeUndefined();
  });

  it('names the place where a truncated page stops making sense', () => {
    const truncated = body().subarray(0, 300);
    expect(() => splitListPage(truncated, wanted)).toThrow(/could not be split at character \d+/);
  });

  it('an empty page has no objects', () => {
    expect(splitListPage(Buffer.from('{"object": "list", "data": [], "has_more": false, "url": "/v1/charges"}'), wanted)).toEqual({ object: 'list', data: [], has_more: false, url: '/v1/charges' });
  });
});
