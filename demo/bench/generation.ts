/**
 * Generation benchmark: `npm run bench:demo [-- 10000 100000 200000]`.
 * Each size runs in its own child process so peak RSS is the size's own.
 * Prints wall seconds, CPU seconds (what an idle machine would take as wall
 * time, near enough), peak RSS, heap, and the account's object counts.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateDemoAccount } from '../generate/generateDemoAccount.js';
import { accountSummary } from '../server/summary.js';

const NOW = '2026-06-15T12:00:00Z';

function measureOne(customers: number): void {
  let peak = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const account = generateDemoAccount({ customers, seed: 42, now: NOW, onProgress: () => void (peak = Math.max(peak, process.memoryUsage().rss)) });
  const generated = performance.now();
  const counts = accountSummary(account);
  const indexed = performance.now();
  peak = Math.max(peak, process.memoryUsage().rss);
  const used = process.cpuUsage(cpu);
  const objects = Object.values(counts).reduce((sum, n) => sum + n, 0);
  process.stdout.write(
    `${JSON.stringify({
      customers,
      generateSeconds: +((generated - started) / 1000).toFixed(2),
      indexSeconds: +((indexed - generated) / 1000).toFixed(2),
      cpuSeconds: +((used.user + used.system) / 1e6).toFixed(2),
      peakRssMB: Math.round(peak / 1e6),
      heapMB: Math.round(process.memoryUsage().heapUsed / 1e6),
      objects,
      counts,
    })}\n`,
  );
}

const [mode, arg] = process.argv.slice(2);
if (mode === '--one') {
  measureOne(Number(arg));
} else {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  for (const customers of sizes.length > 0 ? sizes : [10_000, 100_000]) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--one', String(customers)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (child.status !== 0) {
      process.stderr.write(child.stderr);
      process.exit(1);
    }
    const result = JSON.parse(child.stdout.trim().split('\n').pop()!);
    process.stdout.write(
      `${String(customers).padStart(7)} customers: generated in ${result.generateSeconds} s (CPU ${result.cpuSeconds} s), indexed in ${result.indexSeconds} s, ` +
        `peak RSS ${result.peakRssMB} MB, heap ${result.heapMB} MB, ${result.objects.toLocaleString('en-US')} objects ` +
        `(${result.counts.invoices.toLocaleString('en-US')} invoices, ${result.counts.events.toLocaleString('en-US')} events)\n`,
    );
  }
}
