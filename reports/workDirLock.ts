import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { WorkError } from '../errors/index.js';

/**
 * One Evidence run per work directory: two builds in one `.evidence/template`
 * would delete each other's files. A lock file holds the owner's pid; a lock
 * whose process is gone is taken over.
 */
export function acquireWorkDirLock(workDir: string): () => void {
  mkdirSync(workDir, { recursive: true });
  const path = join(workDir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readOwner(path), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new WorkError(`Another reports build or dev server (pid ${owner}) is using ${workDir}; wait for it to finish or stop it.`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new WorkError(`Cannot take the lock ${path}; remove it if no reports build is running.`);
}

function readOwner(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
