import type { FastifyInstance } from 'fastify';

/**
 * Headers every answer carries. The API serves JSON to programs: nothing may be sniffed as HTML,
 * framed, cached by a shared cache, or leak a referrer; a browser that renders an answer anyway
 * runs nothing from it (`default-src 'none'`).
 */
const HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(HEADERS)) if (!reply.hasHeader(name)) void reply.header(name, value);
    return payload;
  });
}
