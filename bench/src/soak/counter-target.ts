import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a step made: the side effect it stands for, and how the call ended. */
export interface TargetCall {
  key: string;
  /** The `Idempotency-Key` header it carried (undefined: none). */
  idempotencyKey: string | undefined;
  startedAt: number;
  /** When the answer was written (undefined: never). */
  answeredAt: number | undefined;
  /** The pid of the process that made the call, when it could be told. */
  caller: number | undefined;
  /** The caller went away before the answer was written: its worker died mid-call. */
  interrupted: boolean;
}

export interface CounterTarget {
  url: string;
  calls: Map<string, TargetCall[]>;
  close(): Promise<void>;
}

/** What the target answers for `key`: deterministic, so every output can be checked. */
export function scoreOf(key: string): number {
  return createHash('sha256').update(key).digest()[0]! % 100;
}

/**
 * The outside world the soak's steps act on: `GET /step?key=K` is one side effect. Every call is
 * recorded with its Idempotency-Key and whether its caller hung up, and answered `{ key, score }`
 * after a random 50–400 ms, so faults land on calls in flight.
 */
export async function startCounterTarget(
  random: () => number,
  identify: (clientPort: number, serverPort: number) => Promise<number | undefined>,
): Promise<CounterTarget> {
  const calls = new Map<string, TargetCall[]>();
  const callers = new WeakMap<object, Promise<number | undefined>>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://target');
    const key = url.searchParams.get('key');
    if (url.pathname !== '/step' || !key) {
      res.writeHead(404).end();
      return;
    }
    const header = req.headers['idempotency-key'];
    const call: TargetCall = {
      key,
      idempotencyKey: Array.isArray(header) ? header.join(',') : header,
      startedAt: Date.now(),
      answeredAt: undefined,
      caller: undefined,
      interrupted: false,
    };
    void callers.get(req.socket)?.then((pid) => (call.caller = pid));
    calls.set(key, [...(calls.get(key) ?? []), call]);
    res.once('close', () => {
      if (!res.writableFinished) call.interrupted = true;
    });
    setTimeout(
      () => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ key, score: scoreOf(key) }));
        call.answeredAt = Date.now();
      },
      50 + Math.floor(random() * 350),
    );
  });
  server.keepAliveTimeout = 30_000;
  // Looked up once per connection, while its client still holds it (keep-alive: few connections).
  server.on('connection', (socket) => {
    if (socket.remotePort !== undefined && socket.localPort !== undefined)
      callers.set(
        socket,
        identify(socket.remotePort, socket.localPort).catch(() => undefined),
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
