/**
 * Whether this process exports traces. Hot paths check it before creating any span or context, so a
 * process without `OTEL_EXPORTER_OTLP_ENDPOINT` pays one boolean test per step and nothing else
 * (the OpenTelemetry API's no-op tracer would still allocate contexts and closures).
 */
let active = false;

export function tracingActive(): boolean {
  return active;
}

/** Set by `startTelemetry` (true when it started an exporting SDK) and by its shutdown (false). */
export function setTracingActive(value: boolean): void {
  active = value;
}
