/**
 * The API key must never reach output, logs, error messages or the warehouse.
 * Stripe's own answers can echo a key (e.g. "Invalid API Key provided:
 * sk_test_..."), and SDK errors carry request details, so every message that
 * leaves the client passes through here.
 */
const KEY_PATTERN = /\b(?:sk|rk|pk)_(?:test|live)_[A-Za-z0-9_*]+/g;
const BEARER_PATTERN = /Bearer\s+[^\s"',;]+/gi;

export function redactSecrets(text: string, ...secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 6) out = out.split(secret).join('[redacted]');
  }
  return out.replace(BEARER_PATTERN, 'Bearer [redacted]').replace(KEY_PATTERN, '[redacted key]');
}
