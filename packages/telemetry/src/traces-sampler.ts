import { tracing } from '@opentelemetry/sdk-node';

export type Sampler = tracing.Sampler;

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;

/**
 * The sampler the OpenTelemetry variables name — `OTEL_TRACES_SAMPLER` (default
 * `parentbased_always_on`) and, for the ratio samplers, `OTEL_TRACES_SAMPLER_ARG` (0 to 1, default
 * 1) — built here rather than by the SDK so that a bad value stops the process with its name
 * instead of being logged and ignored, and so that the same sampler decides whether an execution's
 * trace is sampled (see `executionContext`).
 */
export function tracesSampler(env: Record<string, string | undefined>): Sampler {
  const name = (env['OTEL_TRACES_SAMPLER'] || 'parentbased_always_on').trim().toLowerCase();
  if (!(SAMPLERS as readonly string[]).includes(name)) throw new TypeError(`OTEL_TRACES_SAMPLER: "${name}" is not one of ${SAMPLERS.join(', ')}`);
  const ratio = ratioOf(env['OTEL_TRACES_SAMPLER_ARG']);
  switch (name as (typeof SAMPLERS)[number]) {
    case 'always_on':
      return new tracing.AlwaysOnSampler();
    case 'always_off':
      return new tracing.AlwaysOffSampler();
    case 'traceidratio':
      return new tracing.TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new tracing.ParentBasedSampler({ root: new tracing.AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new tracing.ParentBasedSampler({ root: new tracing.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new tracing.ParentBasedSampler({ root: new tracing.TraceIdRatioBasedSampler(ratio) });
  }
}

function ratioOf(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return 1;
  const ratio = Number(text);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new TypeError(`OTEL_TRACES_SAMPLER_ARG: "${text}" is not a ratio between 0 and 1`);
  return ratio;
}
