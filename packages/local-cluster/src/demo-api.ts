import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoApi {
  url: string;
  /** Every request, in arrival order. */
  requests: { method: string; path: string; body: unknown }[];
  close(): Promise<void>;
}

const USERS = [
  { id: 1, name: 'Ada', tier: 'gold' },
  { id: 2, name: 'Grace', tier: 'silver' },
  { id: 3, name: 'Linus', tier: 'gold' },
];
const ORDERS = [
  { id: 'o1', customerId: 1, amount: 120 },
  { id: 'o2', customerId: 2, amount: 80 },
  { id: 'o3', customerId: 1, amount: 200 },
  { id: 'o4', customerId: 3, amount: 55 },
];
const BATCHES = [
  [1, 2, 3],
  [10, 20],
  [5, 5, 5, 5],
];

/**
 * The stand-in for the external services the examples call, so the demo and the tests never leave
 * the machine. Deterministic data; `/flaky?id=…` fails twice per id with 503, then answers.
 */
export async function startDemoApi(): Promise<DemoApi> {
  const requests: DemoApi['requests'] = [];
  const flaky = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text === '' ? null : text;
      try {
        body = text === '' ? null : JSON.parse(text);
      } catch {
        // Not JSON: keep the text.
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, body });
      route(req, res, url, body, flaky);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function route(req: IncomingMessage, res: ServerResponse, url: URL, body: unknown, flaky: Map<string, number>): void {
  const json = (status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  const batch = /^\/batches\/(\d+)$/.exec(url.pathname);
  if (req.method === 'GET' && url.pathname === '/data')
    return json(200, {
      items: [
        { id: 1, value: 10 },
        { id: 2, value: 20 },
        { id: 3, value: 45 },
      ],
    });
  if (req.method === 'GET' && url.pathname === '/users') return json(200, USERS);
  if (req.method === 'GET' && url.pathname === '/orders') return json(200, ORDERS);
  if (req.method === 'GET' && url.pathname === '/quality') return json(200, { quality: 0.92, rows: 1200 });
  if (req.method === 'GET' && batch) {
    const values = BATCHES[Number(batch[1])];
    return values ? json(200, { batch: Number(batch[1]), values }) : json(404, { error: 'no such batch' });
  }
  if (req.method === 'GET' && url.pathname === '/flaky') {
    const id = url.searchParams.get('id') ?? '';
    const seen = (flaky.get(id) ?? 0) + 1;
    flaky.set(id, seen);
    return seen <= 2 ? json(503, { error: 'try again' }) : json(200, { ok: true, attempt: seen });
  }
  if (req.method === 'POST' && url.pathname === '/echo') {
    return json(200, { received: body, contentType: req.headers['content-type'] ?? null, authorization: req.headers['authorization'] ?? null });
  }
  if (req.method === 'POST' && url.pathname === '/notify') return json(202, { notified: (body as { customer?: unknown } | null)?.customer ?? null });
  return json(404, { error: `no route ${req.method} ${url.pathname}` });
}
