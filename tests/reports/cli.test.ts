import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../reports/paths.js';

const bin = join(packageRoot, 'bin', 'tributary.js');
let dir: string;
let warehouse: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-reports-cli-'));
  warehouse = join(dir, 'data', 'warehouse.duckdb');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, TRIBUTARY_DB: warehouse, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts `tributary reports preview` and resolves with the URL it prints. */
function startPreview(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [bin, 'reports', 'preview', ...args], { cwd: dir, env: { ...process.env, TRIBUTARY_DB: warehouse, ...env } });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Reports: (http:\/\/\S+)/.exec(output);
      if (match) resolve({ child, url: match[1]!, exited });
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`preview exited ${code}: ${output}`)));
  });
}

describe('tributary reports', () => {
  it('build says to run the demo refresh first when nothing is published, and exits 1', () => {
    const result = run(['reports', 'build']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      `error: No published copy of the warehouse at ${join(dir, 'data', 'warehouse.published.duckdb')} yet: run \`tributary refresh --demo\` first (or \`tributary build\` after an extract).`,
    );
  });

  it('preview says to build first when there is no site, and exits 1', () => {
    const result = run(['reports', 'preview']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(`error: No built reports at ${join(dir, 'data', 'warehouse.reports')} yet: run \`tributary reports build\` first.`);
  });

  it('refuses a port that is not a port, with exit 2', () => {
    const site = join(dir, 'data', 'warehouse.reports');
    mkdirSync(site, { recursive: true });
    writeFileSync(join(site, 'index.html'), '<h1>Overview</h1>');
    const flag = run(['reports', 'preview', '--port', 'eighty']);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain('--port must be a port number from 1 to 65535 (got "eighty")');
    const setting = run(['reports', 'preview'], { TRIBUTARY_PORT: '70000' });
    expect(setting.status).toBe(2);
    expect(setting.stderr).toContain('TRIBUTARY_PORT');
  });

  it('preview serves the built site on 127.0.0.1 at --port, else TRIBUTARY_PORT, and stops on SIGTERM', async () => {
    const site = join(dir, 'data', 'warehouse.reports');
    mkdirSync(site, { recursive: true });
    writeFileSync(join(site, 'index.html'), '<h1>Overview</h1>');

    const port = await freePort();
    const flagged = await startPreview(['--port', String(port)]);
    expect(flagged.url).toBe(`http://127.0.0.1:${port}/`);
    expect(await (await fetch(flagged.url)).text()).toBe('<h1>Overview</h1>');
    flagged.child.kill('SIGTERM');
    expect(await flagged.exited).toBe(0);

    const envPort = await freePort();
    const fromSetting = await startPreview([], { TRIBUTARY_PORT: String(envPort) });
    expect(fromSetting.url).toBe(`http://127.0.0.1:${envPort}/`);
    expect((await fetch(fromSetting.url)).status).toBe(200);
    fromSetting.child.kill('SIGTERM');
    expect(await fromSetting.exited).toBe(0);
  });

  it('documents its subcommands', () => {
    const help = run(['reports', '--help']);
    expect(help.status).toBe(0);
    for (const word of ['build', 'dev', 'preview', 'published', 'TRIBUTARY_REPORTING_CURRENCY']) expect(help.stdout).toContain(word);
  });
});
