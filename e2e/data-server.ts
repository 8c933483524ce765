import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DataServer {
  url: string;
  requests: { method: string; url: string }[];
  close(): Promise<void>;
}

/** A local HTTP server standing in for the Quick Start's external API: tests never call outside hosts. */
export async function startDataServer(handler?: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<DataServer> {
  const requests: { method: string; url: string }[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    if (handler?.(req, res)) return;
    if (req.url === '/data') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          items: [
            { id: 1, value: 10 },
            { id: 2, value: 20 },
            { id: 3, value: 45 },
          ],
        }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
