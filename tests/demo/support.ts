import Stripe from 'stripe';
import { startDemoServer, type DemoServer, type DemoServerOptions } from '../../demo/server/startDemoServer.js';

/** The SDK configured exactly as the brief prescribes for talking to the demo server. */
export function sdkFor(server: DemoServer, key = 'sk_test_demo'): Stripe {
  return new Stripe(key, { host: '127.0.0.1', port: server.port, protocol: 'http', telemetry: false, maxNetworkRetries: 0 });
}

export async function withServer<T>(options: DemoServerOptions, use: (server: DemoServer, stripe: Stripe) => Promise<T>): Promise<T> {
  const server = await startDemoServer(options);
  try {
    return await use(server, sdkFor(server));
  } finally {
    await server.close();
  }
}

/** A raw GET, for what the SDK hides (headers, status codes of refused methods). */
export async function rawGet(server: DemoServer, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(`${server.url}${path}`, { ...init, headers: { Authorization: 'Bearer sk_test_demo', ...(init.headers ?? {}) } });
  return { status: response.status, headers: response.headers, body: await response.json() };
}
