import { normalizeHeader, withMapOverrides, type ColumnMap, type MapOverrides } from './columnMap.js';
import { detectableMaps, genericMap } from './systems/index.js';
import { objectTypeOfName, type CrmField, type CrmObjectType, type CrmSystem } from './types.js';
import { WorkError } from '../../errors/index.js';

export interface DetectOptions {
  readonly file: string;
  /** `--system`: restricts detection to one CRM (and is the only way to get `generic`). */
  readonly system?: CrmSystem;
  /** `--object`: an object type (contact, company, deal) or a CRM's own name for one (lead, person, organization). */
  readonly object?: string;
  readonly overrides?: MapOverrides;
}

export interface Detection {
  readonly map: ColumnMap;
  /** "HubSpot contacts export, by 'Record ID', 'Email', 'Lifecycle Stage'". */
  readonly description: string;
  /** The columns of the file, by index, that feed each field. */
  readonly columns: ResolvedColumns;
}

export type ResolvedColumns = Partial<Record<CrmField, readonly number[]>>;

/**
 * Which export a header row is, and which of its columns feed each field.
 * Every map whose signature is present (and whose excluding columns are not)
 * is a candidate; the one that recognizes the most columns wins, and a tie is
 * an error rather than a guess.
 */
export function detectExport(headers: readonly string[], options: DetectOptions): Detection {
  const index = headerIndex(headers);
  const overrides = options.overrides ?? {};
  if (options.system === 'generic') {
    const map = withMapOverrides(genericMap(objectTypeOf(options.object)), overrides);
    return finish(map, index, headers, options, `${map.label} (--system generic${Object.keys(overrides).length ? ' --map' : ''})`);
  }
  const pool = detectableMaps.filter(
    (map) => (!options.system || map.system === options.system) && (!options.object || map.objectType === options.object || map.crmObject === options.object),
  );
  const candidates = pool
    .map((map) => ({ map, evidence: signatureEvidence(map, index, headers), score: recognizedColumns(map, index) }))
    .filter((candidate): candidate is { map: ColumnMap; evidence: string[]; score: number } => candidate.evidence !== null)
    .sort((a, b) => b.score - a.score);
  const [best, second] = candidates;
  if (best && second && second.score === best.score) {
    throw new WorkError(
      `${options.file} line 1: the headers fit both a ${best.map.label} (by ${quoteList(best.evidence)}) and a ${second.map.label} (by ${quoteList(second.evidence)}); say which with --system and --object.`,
    );
  }
  if (best) {
    const map = withMapOverrides(best.map, overrides);
    return finish(map, index, headers, options, `${map.label}, by ${quoteList(best.evidence)}`);
  }
  // With --system the user vouches for the CRM: take its map that recognizes most columns.
  if (options.system) {
    const closest = pool.map((map) => ({ map, score: recognizedColumns(map, index) })).sort((a, b) => b.score - a.score)[0];
    if (closest && closest.score > 0) {
      const map = withMapOverrides(closest.map, overrides);
      return finish(map, index, headers, options, `${map.label} (--system ${options.system}; ${closest.score} known column${closest.score === 1 ? '' : 's'})`);
    }
  }
  throw new WorkError(unknownExportMessage(headers, pool, options));
}

function finish(map: ColumnMap, index: Map<string, number[]>, headers: readonly string[], options: DetectOptions, description: string): Detection {
  const columns: Partial<Record<CrmField, number[]>> = {};
  for (const [field, spellings] of Object.entries(map.fields) as [CrmField, readonly string[]][]) {
    const found = spellings.flatMap((spelling) => index.get(normalizeHeader(spelling)) ?? []);
    if (found.length > 0) columns[field] = [...new Set(found)];
  }
  for (const [field, header] of Object.entries(options.overrides ?? {}) as [CrmField, string][]) {
    if (!columns[field]) {
      throw new WorkError(`${options.file} line 1: --map ${field}="${header}" names no column of the file; its columns are ${quoteList(headers.slice(0, 30))}${headers.length > 30 ? ', ...' : ''}.`);
    }
  }
  if (!columns.record_id && !columns.email) {
    const idSpellings = map.fields.record_id ?? [];
    const emailSpellings = map.fields.email ?? [];
    const wanted = [...idSpellings.slice(0, 2), ...emailSpellings.slice(0, 2)];
    throw new WorkError(
      `${options.file} line 1: no identifying column: a ${map.label} needs a record id or email column${wanted.length ? ` (${quoteList(wanted, ' or ')})` : ''}${map.system === 'generic' ? '; name one with --map record_id=COLUMN or --map email=COLUMN' : ''}.`,
    );
  }
  return { map, description, columns };
}

function headerIndex(headers: readonly string[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  headers.forEach((header, i) => {
    const key = normalizeHeader(header);
    if (key === '') return;
    const list = index.get(key);
    if (list) list.push(i);
    else index.set(key, [i]);
  });
  return index;
}

/** The file's spelling of the first present header of each signature group, or null when a group is missing or an excluding column is present. */
function signatureEvidence(map: ColumnMap, index: Map<string, number[]>, headers: readonly string[]): string[] | null {
  if (map.excludes?.some((header) => index.has(normalizeHeader(header)))) return null;
  const evidence: string[] = [];
  for (const group of map.signature) {
    const found = group.map((spelling) => index.get(normalizeHeader(spelling))).find((positions) => positions !== undefined);
    if (!found) return null;
    evidence.push(headers[found[0]!]!.trim());
  }
  return evidence;
}

function recognizedColumns(map: ColumnMap, index: Map<string, number[]>): number {
  const seen = new Set<number>();
  for (const spellings of Object.values(map.fields)) {
    for (const spelling of spellings ?? []) for (const position of index.get(normalizeHeader(spelling)) ?? []) seen.add(position);
  }
  return seen.size;
}

function objectTypeOf(object: string | undefined): CrmObjectType {
  return (object && objectTypeOfName[object]) || 'contact';
}

function unknownExportMessage(headers: readonly string[], pool: readonly ColumnMap[], options: DetectOptions): string {
  const found = headers.filter((header) => header.trim() !== '');
  const looksLikeData = found.some((cell) => /@/.test(cell) || /^\d{3,}$/.test(cell.trim()));
  const expected = pool.map((map) => `${map.label}: ${map.signature.map((group) => `'${group[0]}'`).join(' + ')}`).join('; ');
  const scope = options.system ? `a ${options.system} export` : 'a HubSpot, Salesforce or Pipedrive export';
  const lead = looksLikeData
    ? `the first line looks like data rather than a header row (${quoteList(found.slice(0, 4))}); the file needs the header row its CRM writes`
    : `the headers (${quoteList(found.slice(0, 8))}${found.length > 8 ? ', ...' : ''}) are not ${scope}`;
  return `${options.file} line 1: ${lead}. Expected ${expected}; for any other file use --system generic --map email=COLUMN,record_id=COLUMN.`;
}

function quoteList(items: readonly string[], separator = ', '): string {
  return items.map((item) => `'${item}'`).join(separator);
}
