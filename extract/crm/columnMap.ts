import type { CrmField, CrmObjectType, CrmSystem } from './types.js';

/**
 * How one kind of export names its columns. Each system's file in `systems/`
 * is the only place its header spellings live.
 */
export interface ColumnMap {
  readonly system: CrmSystem;
  readonly objectType: CrmObjectType;
  /** The CRM's own name for the object: a Salesforce lead and contact both land in `raw_crm.contacts`. */
  readonly crmObject: string;
  /** How messages name the export: "HubSpot contacts export". */
  readonly label: string;
  /**
   * Header groups that identify the export: every group must be present, each
   * through any of its spellings. Detection prints the spelling found for each.
   */
  readonly signature: readonly (readonly string[])[];
  /** Headers that rule this export out (a Pipedrive deals export also carries person columns). */
  readonly excludes?: readonly string[];
  /**
   * Our field -> the export's spellings, in order of preference. A scalar field
   * takes the first non-empty cell among its columns (Pipedrive's Work, Home and
   * Other emails); a list field gathers all of them.
   */
  readonly fields: Partial<Record<CrmField, readonly string[]>>;
}

/** Header comparison ignores case, repeated spaces and the `*` Pipedrive puts on required columns. */
export function normalizeHeader(header: string): string {
  return header
    .replace(/^\uFEFF/, '')
    .replace(/\*+\s*$/, '')
    .trim()
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

/** Spellings with and without an entity prefix: Pipedrive writes both `Person - Email` and `Email`. */
export function withOptionalPrefix(prefix: string, names: readonly string[]): string[] {
  return names.flatMap((name) => [`${prefix}${name}`, name]);
}

/** `--map field=Header,...` as given on the command line, already split. */
export type MapOverrides = Partial<Record<CrmField, string>>;

/** The map with each overridden field read from exactly the column the user named. */
export function withMapOverrides(map: ColumnMap, overrides: MapOverrides): ColumnMap {
  if (Object.keys(overrides).length === 0) return map;
  const fields: Partial<Record<CrmField, readonly string[]>> = { ...map.fields };
  for (const [field, header] of Object.entries(overrides) as [CrmField, string][]) fields[field] = [header];
  return { ...map, fields };
}
