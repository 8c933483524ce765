import type { Page } from '@agentic-flow/spec';
import { callOptionsOf, type CallOptions } from './call-options.js';
import { aList } from './response-shape.js';
import type { Transport } from './transport.js';

/**
 * A list read as every list of the SDK answers: `{ items, nextCursor }`. `nextCursor` is the
 * server's where it pages (pass it back as `cursor`), and null where the server answers the whole
 * list at once (an execution's logs, its snapshots, the strategies).
 */
export async function pageOf<T>(transport: Transport, path: string, options: CallOptions | undefined): Promise<Page<T>> {
  const body = await transport.request<{ items: T[]; nextCursor?: string | null }>({ method: 'GET', path, expect: aList, call: callOptionsOf(options) });
  return { items: body.items, nextCursor: typeof body.nextCursor === 'string' ? body.nextCursor : null };
}
