import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OTLP/HTTP endpoint that accepts every export and discards it: the benchmark measures what
 * producing and exporting spans costs the apps, not what a collector does with them.
 */
export async function startOtlpSink(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      requests += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
