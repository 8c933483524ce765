import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CounterServer {
  url: string;
  /** How many times each key was called: the side effects of the steps. */
  calls: Map<string, number>;
  close(): Promise<void>;
}

/** `/step?key=K` counts a call for K and answers `{ key }` after a short random delay (a step in flight). */
export async function startCounterServer(): Promise<CounterServer> {
  const calls = new Map<string, number>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = url.searchParams.get('key') ?? '';
    calls.set(key, (calls.get(key) ?? 0) + 1);
    setTimeout(
      () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ key }));
      },
      50 + Math.floor(Math.random() * 350),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
