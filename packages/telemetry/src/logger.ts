import { hostname } from 'node:os';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

/** The levels a logger can be set to; `silent` turns logging off. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** A structured JSON logger (pino). Every line carries `service`. */
export type Logger = PinoLogger;

/** Where log lines go: any pino destination (a `pino.destination()`, a writable stream…). */
export type LogDestination = DestinationStream | NodeJS.WritableStream;

export interface LoggerOptions {
  /** The service name written as `service` on every line (`coordinator`, `worker`…). */
  name: string;
  /** Minimum level written. Defaults to `info`. */
  level?: LogLevel;
  /** Where lines go. Defaults to stdout; tests pass a stream to capture the lines. */
  destination?: LogDestination;
  /**
   * Extra paths to censor, in pino `redact` syntax, added to {@link DEFAULT_REDACT_PATHS}.
   * @example ['body.password', 'config.headers["x-api-key"]']
   */
  redact?: readonly string[];
  /**
   * Applied to every serialized line (JSON text, with its newline) before it is written: the
   * worker masks secret values out of its log with it, whatever object or message carried them.
   */
  mask?: (line: string) => string;
}

/**
 * Paths censored in every line. Secrets are resolved only on the worker and must never reach a
 * log (docs/architecture.md, Engine: templates), so credentials that commonly ride along in logged objects are
 * masked here as a second line of defence.
 */
export const DEFAULT_REDACT_PATHS: readonly string[] = [
  'secrets',
  '*.secrets',
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'headers.authorization',
  '*.headers.authorization',
  'headers.cookie',
  '*.headers.cookie',
];

/**
 * Creates the process logger: JSON lines with an ISO `time`, a textual `level`, `service`,
 * `pid` and `hostname`. A line written inside an active span also carries its `trace_id` and
 * `span_id`, so logs and traces join up (see `withSpan`).
 *
 * @example
 * ```ts
 * const logger = createLogger({ name: 'coordinator', level: config.logLevel });
 * logger.info({ port }, 'listening');
 * // {"level":"info","time":"…","service":"coordinator","pid":1,"hostname":"…","port":3000,"msg":"listening"}
 * ```
 */
export function createLogger(options: LoggerOptions): Logger {
  const pinoOptions = {
    level: options.level ?? 'info',
    base: { service: options.name, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Labels instead of pino's numbers: log pipelines (Loki, Elastic) filter on `level:"error"`.
    formatters: { level: (label: string) => ({ level: label }) },
    mixin: activeSpanIds,
    redact: { paths: [...DEFAULT_REDACT_PATHS, ...(options.redact ?? [])], censor: '[REDACTED]' },
  };
  const mask = options.mask;
  if (mask !== undefined) {
    const destination = (options.destination ?? pino.destination(1)) as DestinationStream;
    return pino(pinoOptions, { write: (line: string) => destination.write(mask(line)) });
  }
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination as DestinationStream);
}

/** The ids of the active span, if there is a valid one (telemetry started and inside a span). */
function activeSpanIds(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getSpanContext(context.active());
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return {};
  // OpenTelemetry's log data model names (`trace_id`, `span_id`): collectors and Grafana join on them.
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
