import { EVENT_TYPES, STREAM_GAP, WorkflowIdSchema, type StreamGapEvent } from '@agentic-flow/spec';
import { eventStreamTip, readEvents } from '@agentic-flow/store';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import type { EventHub } from '../events/event-hub.js';
import { eventView, sseFrame } from '../events/event-view.js';
import { ApiError, validationFailed } from './api-error.js';
import { namespaceOf } from './request-context.js';
import { parseRequest } from './request-schemas.js';

const commaList = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const POSITION = /^(0|[1-9][0-9]{0,17})$/;

/** `GET /v1/events` filters: comma lists; any number of each, combined with AND between kinds. */
export const EventsQuerySchema = z.strictObject({
  executionId: z
    .string()
    .transform(commaList)
    .pipe(z.array(z.string().uuid('must be a comma list of execution ids (UUIDs)')).min(1).max(100))
    .optional(),
  workflowId: z.string().transform(commaList).pipe(z.array(WorkflowIdSchema).min(1).max(100)).optional(),
  types: z
    .string()
    .transform(commaList)
    .pipe(
      z
        .array(z.enum(EVENT_TYPES, { error: `must be a comma list of event types: ${EVENT_TYPES.join(', ')}` }))
        .min(1, `must name at least one of: ${EVENT_TYPES.join(', ')}`),
    )
    .optional(),
  /** `false`: send what is there up to now, then end the stream (a catch-up read, e.g. for a batch job). Default `true`. */
  follow: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('true')
    .transform((v) => v === 'true'),
  /** For clients that cannot set the `Last-Event-ID` header. */
  lastEventId: z.string().regex(POSITION, 'must be an event id (decimal digits)').optional(),
});

export interface EventRoutesOptions {
  pool: pg.Pool;
  hub: EventHub;
  /** A comment line is sent after this long without an event, so proxies keep the connection. */
  heartbeatMs: number;
}

/** Rows read per query while catching up. */
const PAGE = 500;

const HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

/** The `stream:gap` frame: no `id`, so a client reconnecting after it still names the last real event it had. */
export function gapFrame(lastEventId: string, prunedThrough: string): string {
  const gap: StreamGapEvent = {
    type: STREAM_GAP,
    lastEventId,
    prunedThrough,
    message: `events after ${lastEventId} up to ${prunedThrough} were older than the retention and are pruned; the stream continues with the oldest kept`,
  };
  return `event: ${STREAM_GAP}\ndata: ${JSON.stringify(gap)}\n\n`;
}

/**
 * `GET /v1/events`: the request namespace's events as Server-Sent Events, in stream order, from
 * after `Last-Event-ID` (header, or `?lastEventId=`) or from now. A `Last-Event-ID` whose
 * successors retention pruned gets a `stream:gap` event first (no `id`, so a reconnect still names
 * the last real event), then what is left. The stream never ends on its own, unless `follow=false`
 * asked for what is there now only.
 */
export function registerEventRoutes(app: FastifyInstance, options: EventRoutesOptions): void {
  const { pool, hub } = options;
  app.get('/v1/events', async (request, reply) => {
    const namespace = namespaceOf(request);
    const query = parseRequest(EventsQuerySchema, request.query, 'query');
    const header = request.headers['last-event-id'];
    if (header !== undefined && (typeof header !== 'string' || !POSITION.test(header.trim()))) {
      throw validationFailed([{ path: '$.headers.last-event-id', message: 'must be an event id (decimal digits), as the stream sent it' }], 'headers');
    }
    const lastEventId = header?.trim() ?? query.lastEventId;
    await hub.assignAll();
    const tip = await eventStreamTip(pool);
    if (lastEventId !== undefined && BigInt(lastEventId) > BigInt(tip.last)) {
      throw new ApiError(
        'VALIDATION_FAILED',
        `Last-Event-ID ${lastEventId} is past the stream's last event (${tip.last}): it is not an id of this cluster's stream`,
        [{ path: '$.headers.last-event-id', message: `must be at most ${tip.last}` }],
      );
    }
    const cursor = lastEventId ?? tip.last;
    const selection = { namespace, executionIds: query.executionId, workflowIds: query.workflowId, types: query.types };

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { ...HEADERS, 'x-request-id': String(request.id) });
    const abort = new AbortController();
    const { signal } = abort;
    const end = (): void => {
      abort.abort();
      if (!raw.writableEnded) raw.end();
    };
    // The response's close, not the request's: a request's 'close' comes as soon as its (empty) body was read.
    raw.on('close', () => abort.abort());
    const write = async (text: string): Promise<void> => {
      if (signal.aborted) return;
      if (!raw.write(text))
        await new Promise<void>((resolve) => {
          const done = (): void => {
            raw.off('drain', done);
            signal.removeEventListener('abort', done);
            resolve();
          };
          raw.on('drain', done);
          signal.addEventListener('abort', done, { once: true });
        });
    };
    if (!query.follow) {
      try {
        await write('retry: 1000\n\n');
        if (lastEventId !== undefined && BigInt(lastEventId) < BigInt(tip.prunedThrough)) await write(gapFrame(lastEventId, tip.prunedThrough));
        let after = cursor;
        for (;;) {
          const rows = await readEvents(pool, { ...selection, after, upTo: tip.last, limit: PAGE });
          if (rows.length > 0) await write(rows.map((row) => sseFrame(eventView(row))).join(''));
          if (rows.length < PAGE || signal.aborted) break;
          after = rows.at(-1)!.position;
        }
      } catch (error) {
        request.log.warn({ err: error }, 'event stream ended by an error');
      } finally {
        end();
      }
      return;
    }
    let subscription: Awaited<ReturnType<EventHub['subscribe']>>;
    try {
      subscription = await hub.subscribe(selection, Number(cursor), end);
    } catch (error) {
      // Headers are out: end the stream, and the client reconnects with its Last-Event-ID.
      request.log.warn({ err: error }, 'event stream could not start');
      end();
      return;
    }
    const { subscriber, release } = subscription;
    try {
      // Reconnect quickly: a coordinator that went away is replaced by another behind the same address.
      await write('retry: 1000\n\n');
      if (lastEventId !== undefined && BigInt(lastEventId) < BigInt(tip.prunedThrough)) await write(gapFrame(lastEventId, tip.prunedThrough));
      let lastWrite = Date.now();
      while (!signal.aborted) {
        if (subscriber.queue.length > 0) {
          // Level with the shared reader: it handed over what this stream selects.
          const batch = subscriber.queue;
          subscriber.queue = [];
          await write(batch.map(sseFrame).join(''));
          lastWrite = Date.now();
          continue;
        }
        const bound = hub.readThrough;
        if (subscriber.received < bound) {
          // Behind it (a Last-Event-ID from before, or a slow start): catch up from PostgreSQL up to where it read.
          const rows = await readEvents(pool, { ...selection, after: String(subscriber.received), upTo: String(bound), limit: PAGE });
          if (rows.length > 0) {
            await write(rows.map((row) => sseFrame(eventView(row))).join(''));
            lastWrite = Date.now();
          }
          subscriber.received = rows.length === PAGE ? Number(rows.at(-1)!.position) : bound;
          continue;
        }
        await subscriber.wait(options.heartbeatMs, signal);
        if (!signal.aborted && subscriber.queue.length === 0 && Date.now() - lastWrite >= options.heartbeatMs) {
          await write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
      }
    } catch (error) {
      // The client reconnects with its Last-Event-ID, here or elsewhere.
      request.log.warn({ err: error }, 'event stream ended by an error');
    } finally {
      release();
      end();
    }
  });
}
