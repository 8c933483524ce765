import type { FlowEvent } from '@agentic-flow/spec';
import type { EventRow } from '@agentic-flow/store';

/** An event row as the stream sends it. */
export function eventView(row: EventRow): FlowEvent {
  return {
    id: row.position,
    type: row.type,
    namespace: row.namespace,
    executionId: row.executionId,
    workflowId: row.workflowId,
    at: row.createdAt.toISOString(),
    data: row.data,
  };
}

/** One SSE frame; `data` is one line of JSON (JSON text never holds a raw newline). */
export function sseFrame(event: FlowEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
