import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One exchange the proxy relayed (or swallowed): what the upstream answered. */
export interface Relayed {
  method: string;
  path: string;
  upstream: string;
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
  /** The client never got this answer: its connection was cut instead. */
  lost: boolean;
}

export interface FailoverProxy {
  /** `http://127.0.0.1:<port>`: give it to the SDK as `baseUrl`. */
  url: string;
  /** Every exchange, in order. */
  exchanges: Relayed[];
  /** Where requests go now. */
  upstream: string;
  /**
   * The next request matching `match` is relayed and its answer read in full, then `beforeCut`
   * runs (kill the coordinator that answered, point `upstream` elsewhere) and the client's
   * connection is destroyed: the answer is lost, as when a coordinator dies while answering.
   */
  loseNextAnswer(match: (method: string, path: string) => boolean, beforeCut: () => Promise<void>): void;
  close(): Promise<void>;
}

/**
 * A minimal HTTP proxy in front of coordinators, standing in for a load balancer: it relays each
 * request to the current upstream and can lose one answer on purpose, which no real coordinator can
 * be made to do deterministically.
 */
export async function startFailoverProxy(upstream: string): Promise<FailoverProxy> {
  let trap: { match: (method: string, path: string) => boolean; beforeCut: () => Promise<void> } | undefined;
  const exchanges: Relayed[] = [];
  const proxy: Omit<FailoverProxy, 'url' | 'close'> = {
    exchanges,
    upstream,
    loseNextAnswer(match, beforeCut) {
      trap = { match, beforeCut };
    },
  };
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const method = incoming.method ?? 'GET';
      const path = incoming.url ?? '/';
      const target = new URL(path, proxy.upstream);
      const caught = trap?.match(method, path) ? trap : undefined;
      if (caught) trap = undefined;
      const forward = httpRequest(target, { method, headers: { ...incoming.headers, host: target.host } }, (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => body.push(chunk));
        answer.on('end', async () => {
          const text = Buffer.concat(body).toString('utf8');
          exchanges.push({
            method,
            path,
            upstream: target.origin,
            status: answer.statusCode ?? 0,
            headers: answer.headers,
            body: text,
            lost: caught !== undefined,
          });
          if (caught) {
            await caught.beforeCut();
            incoming.socket.destroy();
            return;
          }
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          outgoing.end(text);
        });
      });
      // The upstream is gone (killed, refusing): the client sees its connection cut, as behind a real balancer that has no other.
      forward.on('error', () => incoming.socket.destroy());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
