#!/usr/bin/env -S node --max-semi-space-size=1
// The CLI runs a compiled copy of its TypeScript (compiledSources.js), made
// on the first run after the sources change, so there is still no build step
// between a clone and a working command. Where no copy can be written (a
// read-only install) it runs the sources through tsx.
//
// A 1 MB young generation (V8's default is 16 MB per semi-space): an extract
// makes garbage at the pace pages arrive, and a young generation that big
// was ~30 MB of its peak RSS with no speed to show for it (bench:extract,
// bench:demo). `npm start` and `npm run bench:extract` run node with the
// same flag.
import { CompileError, runnableUrl } from './compiledSources.js';

// Stack traces name the TypeScript lines only when asked for (source maps cost memory on every load).
if (process.argv.includes('--verbose')) process.setSourceMapsEnabled(true);

let entry;
try {
  entry = await runnableUrl('cli/main.ts');
} catch (error) {
  if (!(error instanceof CompileError)) throw error;
  process.stderr.write(`tributary: the sources do not compile: ${error.message}\n`);
  process.exit(1);
}
await import(entry);
