// `node scripts/runCompiled.js <file.ts> [args...]` runs a TypeScript script
// from the same compiled copy of the sources the CLI runs (bin/compiledSources.js),
// without tsx's loader thread: bench:extract measures memory, and must
// measure what `tributary extract stripe` costs.
import { fileURLToPath } from 'node:url';
import { runnableUrl } from '../bin/compiledSources.js';

const source = process.argv[2];
if (!source?.endsWith('.ts')) {
  process.stderr.write('usage: node scripts/runCompiled.js <file.ts> [args...]\n');
  process.exit(2);
}
const url = await runnableUrl(source);
// The script sees its own path as argv[1], as if node had been given it.
process.argv.splice(1, 2, fileURLToPath(url));
await import(url);
