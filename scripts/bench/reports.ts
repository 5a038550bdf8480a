/**
 * npm run bench:reports [-- --sizes 1000,10000] [--source pipeline|fixture] [--prerender-detail 200,1000]
 *
 * --source pipeline (the default) makes each account with `tributary refresh --demo` and a CRM
 * import (tests/support/publishedCopy.ts); fixture writes a simulated published copy in seconds.
 *
 * Builds the reports over published copies of 1,000 and 10,000 customers and
 * prints the build time with the data size. The customer detail page is one
 * page for every customer (the id is read from the URL and queried in the
 * browser), so the build should barely grow with the customer count; the page
 * load of one customer in headless Chromium is measured on the built site.
 *
 * --prerender-detail N,... measures the alternative this design replaced: one
 * prerendered page per customer (an Evidence templated page linked from a list
 * of every customer), to show how that build grows.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, readdirSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildReports } from '../../reports/buildReports.js';
import { packageRoot, reportsPathsFor } from '../../reports/paths.js';
import { startSiteServer } from '../../reports/serveSite.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { launchChromium, waitForEvidence } from '../../tests/support/browser.js';
import { defaultPublishedCopySource, preparePublishedCopy, type PublishedCopySource } from '../../tests/support/publishedCopy.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000' },
    source: { type: 'string', default: defaultPublishedCopySource },
    'prerender-detail': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const sizes = values.sizes.split(',').map(Number);
const source = values.source as PublishedCopySource;
const root = mkdtempSync(join(tmpdir(), 'tributary-bench-reports-'));
const rows: string[][] = [];
const totals: number[] = [];

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? treeBytes(path) : statSync(path).size;
  }
  return total;
}

async function countRows(publishedPath: string): Promise<Record<string, number>> {
  const copy = await Warehouse.open({ path: publishedPath, readOnly: true });
  try {
    const row = await copy.one<Record<string, number>>(
      `select (select count(*) from marts.customers)::integer as customers, (select count(*) from marts.invoices)::integer as invoices,
              (select count(*) from marts.payments)::integer as payments, (select count(*) from marts.customer_mrr_monthly)::integer as customer_months`,
    );
    return row ?? {};
  } finally {
    await copy.close();
  }
}

/** Opens one customer's page and times it until their MRR shows. */
async function timeCustomerPage(siteDir: string, publishedPath: string): Promise<number> {
  const copy = await Warehouse.open({ path: publishedPath, readOnly: true });
  const customer = await copy.one<{ id: string }>(`select customer_id as id from marts.customers where mrr > 0 order by customer_id desc limit 1`);
  await copy.close();
  const server = await startSiteServer({ siteDir, port: 0 });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const started = performance.now();
    await page.goto(`${server.url}customer/?id=${encodeURIComponent(customer!.id)}`);
    await page.getByTestId('customer-name').waitFor({ timeout: 120_000 });
    await waitForEvidence(page, 120_000);
    return (performance.now() - started) / 1000;
  } finally {
    await browser.close();
    await server.close();
  }
}

for (const customers of sizes) {
  const dir = join(root, `c${customers}`);
  const prepared = await preparePublishedCopy({ dir, customers, source });
  const counts = await countRows(prepared.publishedPath);
  const paths = reportsPathsFor(prepared.warehousePath);
  const workDir = join(packageRoot, 'reports', '.work', `bench-${customers}`);
  process.stdout.write(`${customers} customers: published copy ${mb(prepared.bytes)} (${JSON.stringify(counts)}), building...\n`);
  const built = await buildReports({ ...paths, workDir });
  const data = treeBytes(join(built.siteDir, 'data'));
  const pageSeconds = await timeCustomerPage(built.siteDir, prepared.publishedPath);
  totals.push(built.seconds);
  rows.push([
    customers.toLocaleString('en-US'),
    mb(prepared.bytes),
    String(counts['invoices']?.toLocaleString('en-US')),
    built.sourcesSeconds.toFixed(1),
    built.siteSeconds.toFixed(1),
    built.seconds.toFixed(1),
    String(built.pages),
    mb(data),
    mb(built.bytes),
    pageSeconds.toFixed(1),
    // The build against the smallest size of this run: how the build grows with the customer count.
    `${(built.seconds / totals[0]!).toFixed(2)} (${(customers / sizes[0]!).toLocaleString('en-US')}x the customers)`,
  ]);
  if (!values.keep) rmSync(workDir, { recursive: true, force: true });
}

process.stdout.write('\nReports build (source: ' + source + ')\n');
const head = ['customers', 'published copy', 'invoices', 'sources s', 'pages s', 'total s', 'pages', 'site data', 'site total', 'customer page load s', 'build time vs first size'];
process.stdout.write(`${head.join(' | ')}\n${head.map(() => '---').join(' | ')}\n${rows.map((r) => r.join(' | ')).join('\n')}\n`);

if (values['prerender-detail']) {
  process.stdout.write('\nThe replaced design: one prerendered page per customer\n');
  const prerenderRows: string[][] = [];
  for (const customers of values['prerender-detail'].split(',').map(Number)) {
    const dir = join(root, `prerender-${customers}`);
    const prepared = await preparePublishedCopy({ dir, customers, source });
    const pagesDir = join(dir, 'pages');
    // The pages as shipped, plus an Evidence templated page and a list linking every customer to it.
    cpSync(join(packageRoot, 'reports', 'pages'), pagesDir, { recursive: true });
    mkdirSync(join(pagesDir, 'prerendered'), { recursive: true });
    writeFileSync(
      join(pagesDir, 'prerendered', 'index.md'),
      '```sql everyone\nselect customer_id, name from warehouse.customers order by customer_id\n```\n\n{#each everyone as c}\n<a href="/prerendered/{c.customer_id}/">{c.name}</a>\n{/each}\n',
    );
    writeFileSync(
      join(pagesDir, 'prerendered', '[customer_id].md'),
      "```sql one\nselect name, mrr from warehouse.customers where customer_id = '${params.customer_id}'\n```\n\n```sql history\nselect month, mrr from warehouse.customer_mrr_monthly where customer_id = '${params.customer_id}' order by month\n```\n\n```sql invoices\nselect number, status, total from warehouse.invoices where customer_id = '${params.customer_id}'\n```\n\n# {one[0]?.name}\n\n<BigValue data={one} value=mrr />\n\n<LineChart data={history} x=month y=mrr />\n\n<DataTable data={invoices} />\n",
    );
    const workDir = join(packageRoot, 'reports', '.work', `bench-prerender-${customers}`);
    const built = await buildReports({ ...reportsPathsFor(prepared.warehousePath), workDir, pagesDir });
    prerenderRows.push([customers.toLocaleString('en-US'), built.siteSeconds.toFixed(1), String(built.pages), mb(built.bytes)]);
    process.stdout.write(`  ${customers} customers: pages step ${built.siteSeconds.toFixed(1)} s, ${built.pages} pages, ${mb(built.bytes)}\n`);
    if (!values.keep) rmSync(workDir, { recursive: true, force: true });
  }
  process.stdout.write(`customers | pages s | pages | site total\n--- | --- | --- | ---\n${prerenderRows.map((r) => r.join(' | ')).join('\n')}\n`);
}

if (!values.keep) rmSync(root, { recursive: true, force: true });
else process.stdout.write(`\nKept ${root}\n`);
