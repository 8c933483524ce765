import type { EventFilter, EventType, FlowEvent, StreamGapEvent } from '@agentic-flow/spec';
import { AgenticFlowError } from './errors.js';
import { SseParser } from './sse-parser.js';
import type { Transport } from './transport.js';

/** What `client.events()` yields: an event, or — first after a reconnect too late for the retention — a `stream:gap`. */
export type StreamItem = FlowEvent | StreamGapEvent;

export interface EventStreamOptions {
  /** Start after this event id (what an earlier stream's last event carried); default: from now. */
  lastEventId?: string;
  /** Ends the iteration. */
  signal?: AbortSignal;
  /** Wait before reconnecting after the connection dropped; default 1 s (doubling to 10 s while it keeps failing). */
  reconnectDelayMs?: number;
  /** Reconnect when nothing (not even the server's keep-alive) arrived for this long; default 45 s. */
  idleTimeoutMs?: number;
  /** Called each time the stream is connected (again): events from then on will arrive. */
  onOpen?: () => void;
}

/** The filter as the query string of `GET /v1/events`. */
export function eventsPath(filter: EventFilter, lastEventId?: string): string {
  const search = new URLSearchParams();
  const list = (value: string | readonly string[] | undefined): string | undefined =>
    value === undefined ? undefined : typeof value === 'string' ? value : value.join(',');
  const executionId = list(filter.executionId);
  const workflowId = list(filter.workflowId);
  const types = list(filter.types);
  if (executionId !== undefined) search.set('executionId', executionId);
  if (workflowId !== undefined) search.set('workflowId', workflowId);
  if (types !== undefined) search.set('types', types);
  if (lastEventId !== undefined) search.set('lastEventId', lastEventId);
  const text = search.toString();
  return text === '' ? '/v1/events' : `/v1/events?${text}`;
}

const abortable = (signal: AbortSignal | undefined, ms: number): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * The event stream as an async iterator that reconnects on its own, sending the last id it
 * delivered, so it yields every event exactly once and in order across dropped connections and
 * coordinators going away. An error answer (bad filter 400, 401, 403, 404) ends it by throwing
 * `HttpError` (an `AgenticFlowError`); network errors and 5xx are retried.
 */
export async function* streamEvents(transport: Transport, filter: EventFilter, options: EventStreamOptions = {}): AsyncGenerator<StreamItem, void, undefined> {
  let lastEventId = options.lastEventId;
  const base = options.reconnectDelayMs ?? 1000;
  const idleMs = options.idleTimeoutMs ?? 45_000;
  let delay = base;
  while (!options.signal?.aborted) {
    const connection = new AbortController();
    const stop = (): void => connection.abort();
    options.signal?.addEventListener('abort', stop, { once: true });
    let idle: ReturnType<typeof setTimeout> | undefined;
    const touch = (): void => {
      clearTimeout(idle);
      idle = setTimeout(stop, idleMs);
    };
    try {
      touch();
      const response = await transport.open(eventsPath(filter, lastEventId), connection.signal);
      if (response.status >= 400 && response.status < 500) throw await transport.errorOf(response);
      if (!response.ok || !response.body) throw new Error(`GET /v1/events answered ${response.status}`);
      delay = base;
      options.onOpen?.();
      const parser = new SseParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          touch();
          for (const message of parser.push(value)) {
            const item = JSON.parse(message.data) as StreamItem;
            if (message.id !== undefined) lastEventId = message.id;
            yield item;
          }
        }
      } finally {
        reader.releaseLock();
      }
    } catch (error) {
      if (error instanceof AgenticFlowError) throw error;
      // Dropped, idle or refused: connect again after a pause, from the last event delivered.
    } finally {
      clearTimeout(idle);
      options.signal?.removeEventListener('abort', stop);
      connection.abort();
    }
    if (options.signal?.aborted) return;
    await abortable(options.signal, delay);
    delay = Math.min(delay * 2, 10_000);
  }
}

export type EventHandler = (event: FlowEvent) => void | Promise<void>;

/** The event types `on` accepts: one type, or `*` for all. */
export type EventSubscription = EventType | '*';
