import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { core, NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { useExecutionSampler } from './execution-trace.js';
import { idGenerator } from './forced-ids.js';
import { ScopeContextManager } from './scope-context-manager.js';
import { createOtlpTraceExporter } from './otlp-trace-exporter.js';
import { tracesSampler } from './traces-sampler.js';
import { setTracingActive } from './tracing-state.js';

type SpanProcessor = NonNullable<NodeSDKConfiguration['spanProcessors']>[number];

export interface TelemetryOptions {
  /** `service.name` of every span (`coordinator`, `worker`…). */
  serviceName: string;
  /**
   * OTLP/HTTP base URL of a collector, e.g. `http://otel-collector:4318` (`/v1/traces` is
   * appended). Without it no exporter is created and no connection is ever opened; spans still get
   * real trace ids so that `traceparent` flows from coordinator to worker.
   */
  otlpEndpoint?: string;
  /** `false` starts nothing at all: the OpenTelemetry API stays a no-op. Defaults to `true`. */
  enabled?: boolean;
  /** Where `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` are read (default `process.env`); a bad value throws a TypeError naming it. */
  env?: Record<string, string | undefined>;
}

/** A started telemetry setup. */
export interface Telemetry {
  /**
   * Flushes pending spans, stops the SDK and unregisters the global tracer provider, context
   * manager and propagator, so that a later {@link startTelemetry} can register its own. Idempotent.
   */
  shutdown(): Promise<void>;
}

/**
 * Ends spans without exporting them. Registering a tracer provider with only this processor makes
 * spans carry real (sampled) trace ids, which propagate through job data, without any exporter.
 */
const discardingSpanProcessor: SpanProcessor = {
  onStart: () => {},
  onEnd: () => {},
  forceFlush: async () => {},
  shutdown: async () => {},
};

/** Attribute values longer than this are cut (unless `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` says otherwise). */
const DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT = 1024;

/**
 * The transition statement's text is ~3 KB and is every result batch's `db.statement`: exported
 * whole, it was most of the ~15 KB of spans each step cost to serialize and send. The OpenTelemetry
 * variable still rules when set.
 */
function spanLimits(): Partial<NodeSDKConfiguration> {
  if (process.env['OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'] || process.env['OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT']) return {};
  return { spanLimits: { attributeValueLengthLimit: DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT } };
}

/**
 * Starts the OpenTelemetry Node SDK for this process: W3C trace context and baggage propagation,
 * a context manager without async hooks (`ScopeContextManager`) and a tracer provider. Traces are exported over OTLP/HTTP
 * only when `otlpEndpoint` is given.
 *
 * The SDK would otherwise configure itself from `OTEL_*` variables and default every signal to an
 * OTLP exporter on localhost; every signal is therefore set explicitly here: no metric reader, no
 * log record processor, and a trace exporter only for an explicit endpoint. Call it once, before
 * the rest of the app starts work.
 *
 * @example
 * ```ts
 * const telemetry = startTelemetry({ serviceName: 'worker', otlpEndpoint: config.otlpEndpoint });
 * process.once('SIGTERM', () => void telemetry.shutdown());
 * ```
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (options.enabled === false) return { shutdown: async () => {} };

  const exporting = options.otlpEndpoint !== undefined;
  const sampler = tracesSampler(options.env ?? process.env);
  const tracing: Partial<NodeSDKConfiguration> = exporting
    ? { traceExporter: createOtlpTraceExporter(options.otlpEndpoint!) }
    : { spanProcessors: [discardingSpanProcessor] };

  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    sampler,
    ...tracing,
    metricReaders: [],
    logRecordProcessors: [],
    idGenerator,
    ...spanLimits(),
    // Only with an exporter: patching pg, ioredis and undici costs a little on every call. Each
    // makes spans only under a parent (a step, a batch of results), never for background polling.
    // Not OpenTelemetry's AsyncLocalStorage: its async hooks cost every promise (see ScopeContextManager).
    contextManager: new ScopeContextManager(),
    instrumentations: exporting
      ? [
          // A pool checkout is not an operation worth a span: the query's span shows its wait.
          new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
          // The command only: arguments carry job data and step results (user data, and bulk).
          new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
          new UndiciInstrumentation({ requireParentforSpans: true }),
        ]
      : [],
    textMapPropagator: new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
  });
  sdk.start();
  useExecutionSampler(sampler);
  setTracingActive(exporting);

  let stopped: Promise<void> | undefined;
  return {
    shutdown() {
      setTracingActive(false);
      useExecutionSampler(undefined);
      stopped ??= sdk.shutdown().finally(() => {
        trace.disable();
        context.disable();
        propagation.disable();
        metrics.disable();
      });
      return stopped;
    },
  };
}
