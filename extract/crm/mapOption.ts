import { UsageError } from '../../errors/index.js';
import type { MapOverrides } from './columnMap.js';
import { crmFields, type CrmField } from './types.js';

/**
 * Reads `--map email="E-mail Address",name="Full name",record_id=ID`. The
 * shell has usually eaten the quotes by now; they still matter when a header
 * holds a comma (`--map 'company="Acme, Inc. name"'`). `name` is short for
 * full_name, `id` for record_id.
 */
export function parseMapOption(values: readonly string[]): MapOverrides {
  const overrides: MapOverrides = {};
  for (const value of values) {
    for (const pair of splitPairs(value)) {
      const equals = pair.indexOf('=');
      if (equals <= 0) throw new UsageError(`--map expects field=Column pairs separated by commas, got '${pair}'.`);
      const key = pair.slice(0, equals).trim().toLowerCase();
      const field = (aliases[key] ?? key) as CrmField;
      if (!crmFields.includes(field)) {
        throw new UsageError(`--map names an unknown field '${key}'; fields are ${crmFields.join(', ')} (name and id are short for full_name and record_id).`);
      }
      const header = unquote(pair.slice(equals + 1).trim());
      if (header === '') throw new UsageError(`--map ${key}= names no column.`);
      overrides[field] = header;
    }
  }
  return overrides;
}

const aliases: Record<string, CrmField> = { name: 'full_name', id: 'record_id' };

function splitPairs(value: string): string[] {
  const pairs: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of value) {
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      if (current.trim()) pairs.push(current);
      current = '';
    } else current += char;
  }
  if (quoted) throw new UsageError(`--map has an unclosed quote in '${value}'.`);
  if (current.trim()) pairs.push(current);
  return pairs;
}

function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1).replaceAll('""', '"') : text;
}
