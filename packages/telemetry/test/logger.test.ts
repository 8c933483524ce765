import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, startTelemetry, withCorrelation, withSpan } from '@agentic-flow/telemetry';

/** A destination that keeps every line written, parsed. */
function capture(): { stream: Writable; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { stream, lines };
}

describe('createLogger', () => {
  it('writes JSON lines carrying the service name and a textual level', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ name: 'coordinator', destination: stream });
    logger.info({ port: 3000 }, 'listening');

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ service: 'coordinator', level: 'info', port: 3000, msg: 'listening' });
    expect(typeof lines[0]?.['time']).toBe('string');
    expect(lines[0]).toHaveProperty('pid', process.pid);
  });

  it('drops lines below the level, and writes nothing when silent', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ name: 'worker', level: 'warn', destination: stream });
    logger.info('hidden');
    logger.warn('shown');
    createLogger({ name: 'worker', level: 'silent', destination: stream }).fatal('hidden too');

    expect(lines.map((line) => line['msg'])).toEqual(['shown']);
  });

  it('passes every line through `mask` before it is written', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ name: 'worker', destination: stream, mask: (line) => line.replaceAll('tok-123', '***') });
    logger.warn({ url: 'https://x/tok-123', nested: { deep: ['tok-123'] } }, 'failed with tok-123');
    expect(lines).toEqual([expect.objectContaining({ url: 'https://x/***', nested: { deep: ['***'] }, msg: 'failed with ***' })]);
  });

  it('censors secrets and credentials', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ name: 'worker', destination: stream, redact: ['body.token'] });
    logger.info({ request: { headers: { authorization: 'Bearer abc' } }, secrets: { KEY: 'x' }, body: { token: 't' } });

    expect(lines[0]).toMatchObject({
      request: { headers: { authorization: '[REDACTED]' } },
      secrets: '[REDACTED]',
      body: { token: '[REDACTED]' },
    });
  });
});

describe('trace ids in log lines', () => {
  it('adds trace_id and span_id inside an active span, and nothing outside one', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ name: 'worker', destination: stream });
    const telemetry = startTelemetry({ serviceName: 'worker' });
    try {
      const ids = await withSpan('test', 'step', {}, (span) => {
        logger.info('inside');
        return span.spanContext();
      });
      logger.info('outside');

      expect(lines[0]).toMatchObject({ msg: 'inside', trace_id: ids.traceId, span_id: ids.spanId });
      expect(lines[1]).not.toHaveProperty('trace_id');
    } finally {
      await telemetry.shutdown();
    }
  });
});

describe('withCorrelation', () => {
  it('adds the correlation ids to every line of the child, and leaves undefined ones out', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ name: 'worker', destination: stream });
    const child = withCorrelation(logger, {
      executionId: 'exec-1',
      stepRunId: 'run-1',
      stepId: 'fetch',
      jobId: undefined,
    });
    child.info('step started');
    child.error({ attempt: 2 }, 'step failed');

    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatchObject({ service: 'worker', executionId: 'exec-1', stepRunId: 'run-1', stepId: 'fetch' });
      expect(line).not.toHaveProperty('jobId');
    }
    expect(lines[1]).toMatchObject({ level: 'error', attempt: 2, msg: 'step failed' });
  });

  it('nests: a grandchild carries the ids of both', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ name: 'worker', destination: stream });
    withCorrelation(withCorrelation(logger, { executionId: 'exec-1' }), { jobId: 'job-9' }).info('x');

    expect(lines[0]).toMatchObject({ service: 'worker', executionId: 'exec-1', jobId: 'job-9' });
  });
});
