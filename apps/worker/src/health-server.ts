import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from '@agentic-flow/telemetry';

export interface HealthServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Readiness: `ok` or why not (Redis does not answer, consumers not running). */
  ready: () => Promise<{ ok: boolean; checks: Record<string, string> }>;
}

/**
 * The worker's probe and metrics port (`HEALTH_PORT`), for container probes and Prometheus: a
 * worker serves no API, so this is a bare `node:http` server with three routes.
 * `/healthz`: the process runs (liveness; checks nothing, a Redis outage must not get workers
 * restarted). `/readyz`: Redis answers and the queue consumers run. `/metrics`: Prometheus text.
 * It exposes counts only, nothing of any step's data, and takes no input.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string): void => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'application/json', '{"error":"method not allowed"}');
    if (path === '/healthz') return send(200, 'application/json', '{"status":"ok"}');
    if (path === '/readyz') {
      options.ready().then(
        ({ ok, checks }) => send(ok ? 200 : 503, 'application/json', JSON.stringify({ status: ok ? 'ready' : 'unavailable', ...checks })),
        (error: Error) => send(503, 'application/json', JSON.stringify({ status: 'unavailable', error: error.message })),
      );
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => send(200, options.registry.contentType, text),
        (error: Error) => send(500, 'text/plain', `metrics failed: ${error.message}\n`),
      );
      return;
    }
    send(404, 'application/json', '{"error":"not found: /healthz, /readyz and /metrics are served"}');
  });
  // Probes must never hold a shutdown up: idle keep-alive connections are not waited for.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
