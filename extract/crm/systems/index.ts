import type { ColumnMap } from '../columnMap.js';
import { hubspotMaps } from './hubspot.js';
import { pipedriveMaps } from './pipedrive.js';
import { salesforceMaps } from './salesforce.js';

/** Every export detection can recognize; `generic` is only ever asked for. */
export const detectableMaps: readonly ColumnMap[] = [...hubspotMaps, ...salesforceMaps, ...pipedriveMaps];

export { genericMap } from './generic.js';
