import { createRequire } from 'node:module';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';

/** A span exporter as the Node SDK takes it. */
export type SpanExporter = NodeSDKConfiguration['traceExporter'];

interface OtlpTraceExporterModule {
  OTLPTraceExporter: new (config: { url: string }) => SpanExporter;
}

/** The path OTLP/HTTP receivers serve traces on (OTLP specification, "OTLP/HTTP Request"). */
const TRACES_PATH = '/v1/traces';

/**
 * Resolves the URL to post traces to. `endpoint` is read like `OTEL_EXPORTER_OTLP_ENDPOINT`: a base
 * URL (`http://otel-collector:4318`) to which `/v1/traces` is appended. A URL that already ends in
 * `/v1/traces` is used as given. Anything but an `http:`/`https:` URL is a `TypeError`.
 */
export function otlpTracesUrl(endpoint: string): string {
  const url = new URL(endpoint); // throws a TypeError naming the bad input
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    // `collector:4318` parses as a URL with the scheme `collector:`.
    throw new TypeError(`Invalid OTLP endpoint "${endpoint}": expected an http: or https: URL`);
  }
  if (url.pathname.endsWith(TRACES_PATH)) return url.toString();
  url.pathname = url.pathname.replace(/\/+$/, '') + TRACES_PATH;
  return url.toString();
}

/**
 * Creates an OTLP/HTTP (JSON) trace exporter posting to `endpoint`.
 *
 * `@opentelemetry/exporter-trace-otlp-http` is a pinned dependency of `@opentelemetry/sdk-node`
 * (the SDK uses it itself for `OTEL_TRACES_EXPORTER=otlp`), so it is resolved from the SDK's own
 * location rather than declared a second time here. Constructing it opens no connection: the first
 * request is made when a batch of spans is exported.
 */
export function createOtlpTraceExporter(endpoint: string): SpanExporter {
  const fromHere = createRequire(import.meta.url);
  const fromSdk = createRequire(fromHere.resolve('@opentelemetry/sdk-node'));
  const { OTLPTraceExporter } = fromSdk('@opentelemetry/exporter-trace-otlp-http') as OtlpTraceExporterModule;
  return new OTLPTraceExporter({ url: otlpTracesUrl(endpoint) });
}
