import { describe, expect, it } from 'vitest';
import type { FlowEvent } from '@agentic-flow/spec';
import { EventSubscriber, selects } from '../../src/events/event-subscriber.js';
import { sseFrame } from '../../src/events/event-view.js';
import { EventsQuerySchema, gapFrame } from '../../src/http/event-routes.js';

const ev = (id: number, extra: Partial<FlowEvent> = {}): FlowEvent => ({
  id: String(id),
  type: 'step:started',
  namespace: 'ns',
  executionId: 'e1',
  workflowId: 'wf',
  at: '2026-01-01T00:00:00.000Z',
  data: {},
  ...extra,
});

describe('selects', () => {
  it('keeps to the namespace and applies every filter given', () => {
    expect(selects({ namespace: 'ns' }, ev(1))).toBe(true);
    expect(selects({ namespace: 'other' }, ev(1))).toBe(false);
    expect(selects({ namespace: 'ns', types: ['workflow:completed'] }, ev(1))).toBe(false);
    expect(selects({ namespace: 'ns', types: ['step:started'], executionIds: ['e1'], workflowIds: ['wf'] }, ev(1))).toBe(true);
    expect(selects({ namespace: 'ns', executionIds: ['e2'] }, ev(1))).toBe(false);
    expect(selects({ namespace: 'ns', executionIds: ['e1'] }, ev(1, { executionId: null }))).toBe(false);
    expect(selects({ namespace: 'ns', workflowIds: ['x'] }, ev(1))).toBe(false);
  });
});

describe('EventSubscriber.offer', () => {
  it('takes a range only when level with it, and only what is past what it has', () => {
    const subscriber = new EventSubscriber({ namespace: 'ns', types: ['step:started'] }, 5, () => undefined);
    // Behind the range: it catches up by itself, nothing is queued.
    subscriber.offer([ev(7), ev(8)], 6, 8, 100);
    expect(subscriber.queue).toEqual([]);
    expect(subscriber.received).toBe(5);
    subscriber.offer([ev(6), ev(7, { type: 'workflow:completed' }), ev(8)], 5, 8, 100);
    expect(subscriber.queue.map((e) => e.id)).toEqual(['6', '8']);
    expect(subscriber.received).toBe(8);
    // Inside a range (its Last-Event-ID fell within it): only what comes after.
    const inside = new EventSubscriber({ namespace: 'ns' }, 9, () => undefined);
    inside.offer([ev(9), ev(10), ev(11)], 8, 11, 100);
    expect(inside.queue.map((e) => e.id)).toEqual(['10', '11']);
    // Ahead of it: nothing.
    inside.offer([ev(10)], 9, 10, 100);
    expect(inside.queue.map((e) => e.id)).toEqual(['10', '11']);
  });

  it('ends a stream that falls too far behind instead of queueing without bound', () => {
    let ended = 0;
    const subscriber = new EventSubscriber({ namespace: 'ns' }, 0, () => ended++);
    subscriber.offer([ev(1), ev(2), ev(3)], 0, 3, 2);
    expect(ended).toBe(1);
    expect(subscriber.queue).toEqual([]);
  });
});

describe('frames and filters', () => {
  it('writes one SSE frame per event, its id the position', () => {
    expect(sseFrame(ev(42))).toBe(`id: 42\nevent: step:started\ndata: ${JSON.stringify(ev(42))}\n\n`);
    expect(gapFrame('3', '10')).toMatch(/^event: stream:gap\ndata: \{"type":"stream:gap","lastEventId":"3","prunedThrough":"10","message":".*"\}\n\n$/);
    expect(gapFrame('3', '10')).not.toContain('id:');
  });

  it('parses comma lists and refuses unknown types naming the valid ones', () => {
    expect(EventsQuerySchema.parse({ types: 'workflow:completed, step:failed', executionId: '2f1b1c4e-6a43-4a53-9a4b-1a2b3c4d5e6f' })).toEqual({
      types: ['workflow:completed', 'step:failed'],
      executionId: ['2f1b1c4e-6a43-4a53-9a4b-1a2b3c4d5e6f'],
      follow: true,
    });
    const bad = EventsQuerySchema.safeParse({ types: 'workflow:exploded' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.message).toContain(
      'workflow:started, workflow:completed, workflow:failed, workflow:paused, workflow:resumed, workflow:cancelled, step:started, step:completed, step:failed, step:retrying, alert:created, alert:resolved',
    );
    expect(EventsQuerySchema.safeParse({ lastEventId: '12a' }).success).toBe(false);
    expect(EventsQuerySchema.safeParse({ follow: 'false' }).data).toEqual({ follow: false });
  });
});
