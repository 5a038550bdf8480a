import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, runCli, tempDir } from '../refresh/support.js';

/** serve and start refuse bad usage and configuration clearly (exit 2), and a busy port (exit 1), before doing any work. */
const warehouse = join(tempDir('tributary-serve-usage-'), 'w.duckdb');
afterAll(removeTempDirs);

describe('tributary serve and start, used wrongly', () => {
  it('serve without a key or --demo exits 2 saying what to do', async () => {
    const result = await runCli(['serve'], { TRIBUTARY_DB: warehouse });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'error: No Stripe key is set: set STRIPE_API_KEY to serve your account, or run `tributary serve --demo` (or `npm start`) to serve the built-in demo account.\n',
    );
  });

  it('a bad port, schedule or time zone is exit 2 naming it', async () => {
    const port = await runCli(['serve', '--demo', '--port', '70000'], { TRIBUTARY_DB: warehouse });
    expect(port.status).toBe(2);
    expect(port.stderr).toContain('--port must be a whole number from 1 to 65,535.');
    const schedule = await runCli(['serve', '--demo'], { TRIBUTARY_DB: warehouse, TRIBUTARY_SCHEDULE: 'every night' });
    expect(schedule.status).toBe(2);
    expect(schedule.stderr).toBe('error: The setting TRIBUTARY_SCHEDULE must be a cron expression such as "0 3 * * *" (got "every night").\n');
    const zone = await runCli(['start'], { TRIBUTARY_DB: warehouse, TRIBUTARY_TZ: 'Mars/Olympus' });
    expect(zone.status).toBe(2);
    expect(zone.stderr).toMatch(/^error: The setting TRIBUTARY_TZ must be an IANA time zone/);
  });

  it('a port in use is exit 1 naming the port, before any refresh', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await runCli(['start', '--demo-customers', '10'], { TRIBUTARY_DB: warehouse, TRIBUTARY_PORT: String(port) });
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(`error: Port ${port} on 127.0.0.1 is already in use: pass another with --port or set TRIBUTARY_PORT.\n`);
      expect(result.stdout).not.toContain('[1/');
    } finally {
      blocker.close();
    }
  });
});
