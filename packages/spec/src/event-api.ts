/**
 * The durable event stream (`GET /v1/events`, Server-Sent Events). Every event is written in the
 * same PostgreSQL transaction as the state change it describes; its `id` is its position in the
 * stream, the `Last-Event-ID` a client reconnects with.
 */
export const EVENT_TYPES = [
  'workflow:started',
  'workflow:completed',
  'workflow:failed',
  'workflow:paused',
  'workflow:resumed',
  'workflow:cancelled',
  'step:started',
  'step:completed',
  'step:failed',
  'step:retrying',
  'alert:created',
  'alert:resolved',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** What the stream sends first when a `Last-Event-ID` is older than the retention: events were pruned in between. */
export const STREAM_GAP = 'stream:gap';

/** One event as the stream sends it (the SSE `data:` line), `id` being the SSE `id:`. */
export interface FlowEvent {
  /** Position in the stream: decimal digits, increasing; pass it back as `Last-Event-ID`. */
  id: string;
  type: EventType;
  namespace: string;
  executionId: string | null;
  workflowId: string | null;
  /** When the change committed its transaction (ISO 8601). */
  at: string;
  /** The fields of the change: `status`, `error`; for steps `stepId`, `stepType`, `key`, `attempt`, `stepRunId`; for alerts `alertId`, `severity`, `message`. */
  data: Record<string, unknown>;
}

/** The first event after a `Last-Event-ID` whose successors were pruned. */
export interface StreamGapEvent {
  type: typeof STREAM_GAP;
  /** The `Last-Event-ID` the client sent. */
  lastEventId: string;
  /** Events up to this position (inclusive) were pruned; the stream continues after `lastEventId` with what is left. */
  prunedThrough: string;
  message: string;
}

/** Filters of `GET /v1/events` (query parameters; lists comma-separated). */
export interface EventFilter {
  executionId?: string | readonly string[];
  workflowId?: string | readonly string[];
  types?: readonly EventType[];
}
