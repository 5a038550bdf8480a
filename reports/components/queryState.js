// An Evidence query that ran and returned no rows. A query that failed is not
// "empty": its components show Evidence's error instead of a friendly empty state
// that would hide the failure.
export const isEmpty = (query) => Boolean(query) && query.dataLoaded === true && !query.error && query.length === 0;
