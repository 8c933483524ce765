import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The external API the program's workflows call, on 127.0.0.1 (the test's workers allow it):
 * `/data` answers at once, `/hold` only when the program releases it (so an execution stays
 * running while it is paused, snapshotted or cancelled), `/flaky` fails with 500 while `failing`.
 */
export interface Target {
  url: string;
  failing: boolean;
  /** `/hold` requests received so far. */
  holds(): number;
  /** Answers every `/hold` request waiting. */
  release(): void;
  close(): Promise<void>;
}

export async function startTarget(): Promise<Target> {
  const held: ServerResponse[] = [];
  let holds = 0;
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const target: Target = {
    url: '',
    failing: false,
    holds: () => holds,
    release: () => {
      for (const res of held.splice(0)) if (!res.destroyed) json(res, 200, { released: true });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://target').pathname;
    if (path === '/data') return json(res, 200, { items: [{ value: 10 }, { value: 20 }, { value: 45 }] });
    if (path === '/flaky') return json(res, target.failing ? 500 : 200, { approved: !target.failing });
    if (path === '/hold') {
      holds++;
      held.push(res);
      return;
    }
    json(res, 404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A held request must not keep the program alive once it is done.
  server.unref();
  return target;
}
