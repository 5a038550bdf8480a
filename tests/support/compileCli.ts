import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * vitest globalSetup: runs the CLI once before any test file, so that its
 * compiled copy (bin/compiledSources.js) is made once instead of by every
 * test file that spawns `tributary` at the same moment, and a source that
 * does not compile fails the run up front with the file and line.
 */
export default function compileCli(): void {
  const cli = join(fileURLToPath(import.meta.url), '..', '..', '..', 'bin', 'tributary.js');
  const result = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bin/tributary.js --help failed:\n${result.stderr}`);
}
