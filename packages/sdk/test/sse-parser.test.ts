import { describe, expect, it } from 'vitest';
import { SseParser } from '../src/sse-parser.js';
import { eventsPath } from '../src/event-stream.js';

describe('SseParser', () => {
  it('parses frames, ignoring comments and retry, across chunk boundaries', () => {
    const parser = new SseParser();
    expect(parser.push('retry: 1000\n\n: keep-alive\n\nid: 7\nevent: workflow:comp')).toEqual([]);
    expect(parser.push('leted\ndata: {"a":1}\n\nid: 8\ndata: x\r')).toEqual([{ id: '7', event: 'workflow:completed', data: '{"a":1}' }]);
    // A CR at a chunk's end may be half of a CRLF.
    expect(parser.push('\n\r\n')).toEqual([{ id: '8', event: 'message', data: 'x' }]);
  });

  it('joins data lines, keeps an event without id id-less, and handles CR line ends', () => {
    const parser = new SseParser();
    // The last CR waits for the next chunk (it could be half of a CRLF).
    expect(parser.push('event: stream:gap\rdata: a\rdata:b\r\r')).toEqual([]);
    expect(parser.push(': next')).toEqual([{ event: 'stream:gap', data: 'a\nb' }]);
  });
});

describe('eventsPath', () => {
  it('puts the filter and the last id in the query', () => {
    expect(eventsPath({})).toBe('/v1/events');
    expect(eventsPath({ executionId: ['a', 'b'], workflowId: 'wf', types: ['workflow:completed', 'workflow:failed'] }, '12')).toBe(
      '/v1/events?executionId=a%2Cb&workflowId=wf&types=workflow%3Acompleted%2Cworkflow%3Afailed&lastEventId=12',
    );
  });
});
