import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureImport } from '../../scripts/bench/import.js';
import { writeHubspotContactsExport } from '../fixtures/crm/generate.js';
import { tempDir, withWarehouse } from './support.js';

/**
 * A million-row HubSpot export: it streams and every row arrives. Streaming
 * is shown against the same import of 100,000 rows: ten times the rows cost
 * the process less memory than the added bytes of the file, where holding
 * the rows would cost at least twice those bytes (JS strings are UTF-16).
 * What does grow (60-100 MB, more under load) is the end-of-import merge,
 * whose hash join holds every record id of the file. The
 * absolute targets (rows/s, 400 MB) are the benchmark's business
 * (npm run bench:import); this test only reports the figures.
 */
let dir: ReturnType<typeof tempDir>;

beforeAll(() => {
  dir = tempDir('tributary-crm-1m-');
});

afterAll(() => dir.remove());

describe('a 1,000,000-row export', () => {
  it('imports in bounded memory, every row in place', { timeout: 30 * 60_000 }, async () => {
    const file = join(dir.path, 'hubspot-crm-exports-all-contacts.csv');
    const db = join(dir.path, 'warehouse.duckdb');
    const bytes = await writeHubspotContactsExport(file, 1_000_000);
    expect(bytes).toBeGreaterThan(200 * 1024 * 1024);

    const smallFile = join(dir.path, 'hubspot-first-100k.csv');
    const smallBytes = await writeHubspotContactsExport(smallFile, 100_000);

    // Each import module in a process of its own, without the command-line wiring
    // (npm run bench:import measures the CLI and shows that share).
    const small = await measureImport(smallFile, join(dir.path, 'small.duckdb'), dir.path, 'module');
    expect(small.status, small.stderr).toBe(0);
    const measured = await measureImport(file, db, dir.path, 'module');
    expect(measured.status, measured.stderr).toBe(0);
    expect(measured.rows).toBe(1_000_000);
    // A regular export: DuckDB's reader, not csv-parse (a scan that wrongly refused it would only show as slowness).
    expect(measured.stdout).toContain('read by duckdb');
    const mb = (value: number): string => `${(value / 1048576).toFixed(0)} MB`;
    console.log(
      `1M-row import: ${measured.importSeconds.toFixed(1)} s, ${Math.round(measured.rowsPerSecond)} rows/s, peak RSS ${mb(measured.peakRssBytes)} (100k rows: ${mb(small.peakRssBytes)})`,
    );
    expect(measured.peakRssBytes - small.peakRssBytes).toBeLessThan(bytes - smallBytes);

    await withWarehouse(db, async (warehouse) => {
      expect(await warehouse.one('select count(*) as n, count(distinct record_id) as ids, count(email) as emails, min(line) as first, max(line) as last from raw_crm.contacts')).toEqual({
        n: 1_000_000,
        ids: 1_000_000,
        emails: 1_000_000,
        first: 2,
        last: 1_000_001,
      });
      // Row 0 and row 999,999 of the generator, worked out from its rules.
      expect(await warehouse.all(`select record_id, email, first_name, company, lifecycle_stage, created_at, line from raw_crm.contacts where record_id in ('100000', '1099999') order by line`)).toEqual([
        { record_id: '100000', email: 'ada.0@example0.com', first_name: 'Ada', company: 'Acme Corp', lifecycle_stage: 'subscriber', created_at: new Date('2024-01-01T00:00:00Z'), line: 2 },
        { record_id: '1099999', email: 'john.999999@example49.com', first_name: 'John', company: 'Vandelay Industries', lifecycle_stage: 'other', created_at: new Date('2024-03-08T15:39:00Z'), line: 1_000_001 },
      ]);
      expect(await warehouse.one('select rows, new_records, issues from raw_crm.imports')).toEqual({ rows: 1_000_000, new_records: 1_000_000, issues: 0 });
    });
  });
});
