import { describe, expect, it } from 'vitest';
import { dateCell, emailCell, emailListCell, instantCell, nameListCell, parseAmount } from '../../extract/crm/values.js';

describe('cell values', () => {
  it('normalizes email as metrics.md says: trimmed and lower-cased, nothing else', () => {
    expect(emailCell.parse('  Ada.Lovelace+CRM@Example.COM ')).toBe('ada.lovelace+crm@example.com');
    expect(emailCell.parse('jürgen@example.de')).toBe('jürgen@example.de');
    expect(emailCell.parse('')).toBeNull();
    expect(emailCell.parse('a@x.com, b@y.com')).toBe('a@x.com');
    for (const bad of ['not-an-email', 'a@b', 'two@@x.com', 'a b@x.com', '=HYPERLINK("x")']) {
      const result = emailCell.safeParse(bad);
      expect(result.success, bad).toBe(false);
      expect(result.error?.issues[0]?.message).toBe('not a valid email address');
    }
  });

  it.each([
    ['2024-03-15', '2024-03-15T00:00:00.000Z'],
    ['2024-03-15 14:02', '2024-03-15T14:02:00.000Z'],
    ['2024-03-15T14:02:03.250Z', '2024-03-15T14:02:03.250Z'],
    ['2024-02-01T08:00:00.000+0000', '2024-02-01T08:00:00.000Z'],
    ['2024-02-01T08:00:00+02:00', '2024-02-01T06:00:00.000Z'],
    ['3/16/2024 2:30 PM', '2024-03-16T14:30:00.000Z'],
    ['3/16/2024 12:05 AM', '2024-03-16T00:05:00.000Z'],
    ['12/1/2023', '2023-12-01T00:00:00.000Z'],
    ['15/03/2024', '2024-03-15T00:00:00.000Z'],
    ['15.03.2024 09:30', '2024-03-15T09:30:00.000Z'],
    ['1/2/24', '2024-01-02T00:00:00.000Z'],
    ['1710460800000', '2024-03-15T00:00:00.000Z'],
  ])('reads the instant %s', (text, iso) => {
    expect(instantCell.parse(text)).toBe(iso);
  });

  it.each(['2024-13-45', '2023-02-29', '31/31/2024', 'yesterday', '2024-03-15 25:00', '13/13/2024 1:00 PM'])('refuses %s as a date', (text) => {
    expect(instantCell.safeParse(text).success).toBe(false);
  });

  it('keeps a date field to its calendar day as written', () => {
    expect(dateCell.parse('2024-06-30 23:30')).toBe('2024-06-30');
    expect(dateCell.parse('6/30/2024')).toBe('2024-06-30');
  });

  it.each([
    ['1500', null, '.', 150000],
    ['1,500.00', null, '.', 150000],
    ['$1,500.50', null, '.', 150050],
    ['4500.5', 'eur', '.', 450050],
    ['1.500,00', 'eur', ',', 150000],
    ['1.500', 'eur', ',', 150000],
    ['1,5', 'eur', ',', 150],
    ['1,5', null, '.', 150],
    ['(250.00)', 'usd', '.', -25000],
    ['-99', 'usd', '.', -9900],
    ['150000', 'jpy', '.', 150000],
    ['1.250', 'kwd', '.', 1250],
    ['1 234,56 €', 'eur', ',', 123456],
  ])('reads the amount %s (%s, decimal %s) as %d minor units', (text, currency, decimal, minor) => {
    expect(parseAmount(text, currency, { decimalSeparator: decimal as '.' | ',' })).toEqual({ minor, currency: null });
  });

  it('takes a currency written in the amount cell', () => {
    expect(parseAmount('USD 1,200', null, { decimalSeparator: '.' })).toEqual({ minor: 120000, currency: 'usd' });
    expect(parseAmount('99 EUR', null, { decimalSeparator: '.' })).toEqual({ minor: 9900, currency: 'eur' });
  });

  it('refuses amounts it cannot read or would have to round', () => {
    expect(parseAmount('about 5k', 'usd', { decimalSeparator: '.' })).toMatch(/not an amount we can read/);
    expect(parseAmount('1.5E+05', 'usd', { decimalSeparator: '.' })).toMatch(/not an amount we can read/);
    expect(parseAmount('10.555', 'usd', { decimalSeparator: '.' })).toBe('has more decimals than USD allows');
    expect(parseAmount('10.5', 'jpy', { decimalSeparator: '.' })).toBe('has more decimals than JPY allows');
  });

  it("reads HubSpot's Associated Contact cells", () => {
    const cell = 'Maria Johnson (emailmaria@hubspot.com);Brian Halligan (BH@hubspot.com)';
    expect(emailListCell.parse(cell)).toEqual(['emailmaria@hubspot.com', 'bh@hubspot.com']);
    expect(nameListCell.parse(cell)).toEqual(['Maria Johnson', 'Brian Halligan']);
    expect(emailListCell.safeParse('Ann (ann@)').success).toBe(false);
  });
});
