import type { EventType, FlowEvent } from '@agentic-flow/spec';

/** What one stream wants: its request's namespace, and its filters (empty: all). */
export interface EventSelection {
  namespace: string;
  executionIds?: readonly string[] | undefined;
  workflowIds?: readonly string[] | undefined;
  types?: readonly EventType[] | undefined;
}

/** Whether `event` is one `selection` streams. */
export function selects(selection: EventSelection, event: Pick<FlowEvent, 'namespace' | 'executionId' | 'workflowId' | 'type'>): boolean {
  if (event.namespace !== selection.namespace) return false;
  if (selection.types && selection.types.length > 0 && !selection.types.includes(event.type)) return false;
  if (selection.executionIds && selection.executionIds.length > 0 && (event.executionId === null || !selection.executionIds.includes(event.executionId)))
    return false;
  if (selection.workflowIds && selection.workflowIds.length > 0 && (event.workflowId === null || !selection.workflowIds.includes(event.workflowId)))
    return false;
  return true;
}

/**
 * One open stream as the hub sees it. `received` is the position through which it has every
 * event it selects — written, or waiting in `queue`. Behind the hub's shared reader it catches up
 * from PostgreSQL by itself; level with it, the reader hands it what it selects.
 */
export class EventSubscriber {
  queue: FlowEvent[] = [];
  private waiter: (() => void) | undefined;

  constructor(
    readonly selection: EventSelection,
    public received: number,
    /** Ends the stream (the coordinator stops, or it fell too far behind). */
    readonly end: () => void,
  ) {}

  /** The shared reader read (`from`, `to`]: take what this stream selects, if it was level with that. */
  offer(events: readonly FlowEvent[], from: number, to: number, maxQueue: number): void {
    if (this.received < from || this.received >= to) return;
    for (const event of events) if (Number(event.id) > this.received && selects(this.selection, event)) this.queue.push(event);
    this.received = to;
    if (this.queue.length > maxQueue) {
      // A consumer this slow reconnects with its Last-Event-ID and catches up from PostgreSQL instead.
      this.queue = [];
      this.end();
    }
    this.wake();
  }

  wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** Resolves at the next offer or wake-up, after `ms`, or when `signal` aborts. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.queue.length > 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.waiter === done) this.waiter = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiter = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
