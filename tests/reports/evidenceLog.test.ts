import { describe, expect, it } from 'vitest';
import { summarizeEvidenceLog } from '../../reports/evidenceLog.js';

// Output as Evidence 39 prints it (colour codes included), taken from failed runs on this machine.
const missingPlugin = `
==> evidence sources (sources)
- Loading plugins & sources
\u001b[31m✖\u001b[39m Loading plugins & sources
\u001b[1m\u001b[31m[ ! ] ENOENT: no such file or directory, open '/w/reports/.work/build/node_modules/@evidence-dev/duckdb/package.json'\u001b[39m\u001b[22m
`;

const sourceQueryFailed = `
-----
  [Processing] warehouse
[ ! ] Error connecting to datasource warehouse: IO Error: Cannot open database "/tmp/w.published.duckdb" in read-only mode: database does not exist
`;

const pageDoesNotCompile = `
vite v5.4.6 building SSR bundle for production...
transforming...
x Build failed in 279ms
error during build:
[vite-plugin-svelte] (parse-error) Identifier 'page' has already been declared
file: /w/reports/.work/build/.evidence/template/src/pages/customer/+page.md:1064:10
    at error (file:///w/node_modules/svelte/src/compiler/utils/error.js:48:16)
Build failed

file:///w/node_modules/@evidence-dev/evidence/cli.js:190
\t\t\tthrow \`Build process exited with code \${code}\`;
\t\t\t^
Build process exited with code 1
(Use \`node --trace-uncaught ...\` to show where the exception was thrown)

Node.js v20.20.2
`;

const prerenderFailed = `
✓ built in 2m 41s
Uncaught error while server responding {
  error: Error: ENOENT: no such file or directory, open '/w/.evidence/template/src/pages/explore/console/+page.md'
    errno: -2,
  status: 500,
  message: 'Internal Error'
}

node:internal/event_target:1105
  process.nextTick(() => { throw err; });
                           ^
Error: 500 /api//explore/console/evidencemeta.json (fetched from /explore/console/)
To suppress or handle this error, implement \`handleHttpError\` in https://kit.svelte.dev/docs/configuration#prerender
Emitted 'error' event on Worker instance at:

Node.js v20.20.2
Build failed
`;

const successfulSources = `
  customers ✔ Finished, wrote 1000 rows.
- Processing...
  initialize ⚠ No results returned.
  runs ✔ Finished, wrote 15 rows.
-----
  Evaluated sources, saving manifest
  ✅ Done!
`;

describe('one sentence out of Evidence output', () => {
  it('names the missing file when plugins fail to load', () => {
    expect(summarizeEvidenceLog(missingPlugin, 'sources', 1)).toBe(
      "ENOENT: no such file or directory, open '/w/reports/.work/build/node_modules/@evidence-dev/duckdb/package.json'",
    );
  });

  it('catches a source query failure even when Evidence exits 0', () => {
    expect(summarizeEvidenceLog(sourceQueryFailed, 'sources', 0)).toBe(
      'Error connecting to datasource warehouse: IO Error: Cannot open database "/tmp/w.published.duckdb" in read-only mode: database does not exist',
    );
  });

  it('names the page that does not compile, not the stack or the exit code', () => {
    expect(summarizeEvidenceLog(pageDoesNotCompile, 'site', 1)).toBe(
      "[vite-plugin-svelte] (parse-error) Identifier 'page' has already been declared (file: /w/reports/.work/build/.evidence/template/src/pages/customer/+page.md:1064:10)",
    );
  });

  it('names the error prerendering stopped on, not an earlier logged one', () => {
    expect(summarizeEvidenceLog(prerenderFailed, 'site', 1)).toBe('Error: 500 /api//explore/console/evidencemeta.json (fetched from /explore/console/)');
  });

  it('finds nothing wrong in a clean run, warnings included', () => {
    expect(summarizeEvidenceLog(successfulSources, 'sources', 0)).toBeNull();
    expect(summarizeEvidenceLog('✓ built in 1m 46s\n"default" is imported from external module but never used (error prone)', 'site', 0)).toBeNull();
  });

  it('still fails a non-zero exit that names nothing', () => {
    expect(summarizeEvidenceLog('Killed\n', 'site', 137)).toBe('Evidence exited with code 137 (site step) without naming an error');
  });
});
