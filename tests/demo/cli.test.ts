import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const BIN = resolve(REPO, 'bin/tributary.js');

describe('tributary demo-server', () => {
  it('generates, prints how to use it, serves the SDK, and stops on Ctrl-C', async () => {
    const child = spawn(process.execPath, [BIN, 'demo-server', '--port', '0', '--customers', '40', '--seed', '3', '--now', '2026-06-15T12:00:00Z'], { cwd: REPO, env: { PATH: process.env['PATH'], HOME: process.env['HOME'] } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      await new Promise<void>((ready, fail) => {
        const timer = setInterval(() => {
          if (stdout.includes('Press Ctrl-C')) {
            clearInterval(timer);
            ready();
          }
        }, 100);
        child.on('exit', () => {
          clearInterval(timer);
          fail(new Error(`demo-server exited early: ${stderr}`));
        });
      });
      const port = Number(/Stripe-compatible demo server on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)![1]);
      expect(port).toBeGreaterThan(0);
      expect(stdout).toContain(`STRIPE_API_BASE=http://127.0.0.1:${port} STRIPE_API_KEY=sk_test_demo tributary extract stripe`);
      expect(stdout).toMatch(/customers\s+│\s+\d+/);
      expect(stdout).toContain('account clock 2026-06-15T12:00:00Z');
      const stripe = new Stripe('sk_test_demo', { host: '127.0.0.1', port, protocol: 'http', telemetry: false, maxNetworkRetries: 0 });
      const customers = await stripe.customers.list({ limit: 100 });
      expect(customers.data.length).toBeGreaterThan(30);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stdout).toContain('demo server stopped.');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses bad options with exit 2 and a sentence naming the option', () => {
    const few = spawnSync(process.execPath, [BIN, 'demo-server', '--customers', '5'], { cwd: REPO, encoding: 'utf8' });
    expect(few.status).toBe(2);
    expect(few.stderr).toContain('--customers must be a whole number from 10 to 200,000');
    const now = spawnSync(process.execPath, [BIN, 'demo-server', '--now', 'yesterday'], { cwd: REPO, encoding: 'utf8' });
    expect(now.status).toBe(2);
    expect(now.stderr).toContain('error: --now must be an ISO 8601 instant');
    const help = spawnSync(process.execPath, [BIN, 'demo-server', '--help'], { cwd: REPO, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--rate-limit <n>');
    expect(help.stdout).toContain('/_demo/advance');
  });
});
