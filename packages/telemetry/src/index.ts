export { createLogger, DEFAULT_REDACT_PATHS } from './logger.js';
export type { Logger, LoggerOptions, LogLevel, LogDestination } from './logger.js';
export { withCorrelation } from './correlation.js';
export type { CorrelationIds } from './correlation.js';
export { startTelemetry } from './start-telemetry.js';
export type { Telemetry, TelemetryOptions } from './start-telemetry.js';
export { otlpTracesUrl } from './otlp-trace-exporter.js';
export { injectTraceContext, withExtractedContext } from './trace-context.js';
export { withSpan } from './with-span.js';
