/**
 * Compares an object's keys with a Stripe fixture's, recursively where both
 * sides hold an object (lists by their first element). Null on either side is
 * a value, not a shape, and is not descended into.
 */
export function shapeDifferences(ours: unknown, fixture: unknown, path = ''): string[] {
  if (!isObject(ours) || !isObject(fixture)) {
    if (Array.isArray(ours) && Array.isArray(fixture) && ours.length > 0 && fixture.length > 0) return shapeDifferences(ours[0], fixture[0], `${path}[0]`);
    return [];
  }
  const out: string[] = [];
  const mine = new Set(Object.keys(ours));
  const theirs = new Set(Object.keys(fixture));
  for (const key of theirs) if (!mine.has(key)) out.push(`missing ${path}${key}`);
  for (const key of mine) if (!theirs.has(key)) out.push(`extra ${path}${key}`);
  // metadata holds free-form keys: its contents are not a shape.
  for (const key of mine) if (theirs.has(key) && key !== 'metadata') out.push(...shapeDifferences(ours[key], fixture[key], `${path}${key}.`));
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
