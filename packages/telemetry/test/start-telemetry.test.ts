import { createServer, type IncomingMessage } from 'node:http';
import { Socket, type AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { otlpTracesUrl, startTelemetry, withSpan, type Telemetry } from '@agentic-flow/telemetry';

let telemetry: Telemetry | undefined;
afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
  vi.restoreAllMocks();
});

describe('startTelemetry', () => {
  it('starts and shuts down cleanly without an endpoint, opening no connection', async () => {
    const connect = vi.spyOn(Socket.prototype, 'connect');
    telemetry = startTelemetry({ serviceName: 'test' });
    const traceId = await withSpan('test', 'work', {}, (span) => span.spanContext().traceId);

    expect(traceId).toMatch(/^[0-9a-f]{32}$/); // spans are real, so traceparent can flow
    expect(traceId).not.toBe('0'.repeat(32));
    await expect(telemetry.shutdown()).resolves.toBeUndefined();
    await expect(telemetry.shutdown()).resolves.toBeUndefined(); // idempotent
    expect(connect).not.toHaveBeenCalled();
  });

  it('does nothing when disabled: spans stay non-recording', async () => {
    telemetry = startTelemetry({ serviceName: 'test', enabled: false, otlpEndpoint: 'http://127.0.0.1:1' });
    const recording = await withSpan('test', 'work', {}, (span) => span.isRecording());

    expect(recording).toBe(false);
  });

  it('can be started again after a shutdown', async () => {
    await startTelemetry({ serviceName: 'first' }).shutdown();
    telemetry = startTelemetry({ serviceName: 'second' });

    const span = trace.getTracer('test').startSpan('x');
    expect(span.isRecording()).toBe(true);
    span.end();
  });

  it('exports spans over OTLP/HTTP to the given endpoint on shutdown', async () => {
    const requests: Array<{ url: string | undefined; body: string }> = [];
    const collector = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        requests.push({ url: req.url, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const connect = vi.spyOn(Socket.prototype, 'connect');
    try {
      const { port } = collector.address() as AddressInfo;
      const started = startTelemetry({ serviceName: 'exporting-service', otlpEndpoint: `http://127.0.0.1:${port}` });
      await withSpan('test', 'exported-span', { 'step.id': 'fetch' }, () => undefined);
      await started.shutdown(); // flushes the batch processor

      expect(connect).toHaveBeenCalled(); // the spy above does see the exporter's connection
      expect(requests).toHaveLength(1);
      expect(requests[0]?.url).toBe('/v1/traces');
      expect(requests[0]?.body).toContain('exported-span');
      expect(requests[0]?.body).toContain('exporting-service');
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});

describe('otlpTracesUrl', () => {
  it.each([
    ['http://collector:4318', 'http://collector:4318/v1/traces'],
    ['http://collector:4318/', 'http://collector:4318/v1/traces'],
    ['http://collector:4318/otlp', 'http://collector:4318/otlp/v1/traces'],
    ['https://collector/v1/traces', 'https://collector/v1/traces'],
  ])('%s → %s', (endpoint, expected) => {
    expect(otlpTracesUrl(endpoint)).toBe(expected);
  });

  it('rejects a value that is not an http(s) URL', () => {
    expect(() => otlpTracesUrl('not a url')).toThrow(TypeError);
    expect(() => otlpTracesUrl('collector:4318')).toThrow('expected an http: or https: URL');
  });
});
