import { tracing } from '@opentelemetry/sdk-node';

/**
 * Random span and trace ids, except for the next span when ids were forced. An execution outlives
 * any process and any span, so its trace cannot be kept as a live object: its trace id and root span
 * id are derived from the execution id (`execution-trace.ts`), and the root span is created with
 * those ids through this generator. Only synchronous code between `forceNextIds` and the span's
 * creation sees them, so no other span can take them.
 */
export class ForcedIdGenerator implements tracing.IdGenerator {
  private readonly random = new tracing.RandomIdGenerator();
  // Each is used once, in whichever order the SDK asks for them (it asks the span id first).
  private nextTraceId: string | undefined;
  private nextSpanId: string | undefined;

  forceNextIds(traceId: string, spanId: string): void {
    this.nextTraceId = traceId;
    this.nextSpanId = spanId;
  }

  /** For a child span, whose trace id is its parent's: only the span id is asked for. */
  forceNextSpanId(spanId: string): void {
    this.nextSpanId = spanId;
  }

  /** Forgets forced ids no span took (a span not made: tracing suppressed or stopped), so no later span takes them. */
  unforce(): void {
    this.nextTraceId = undefined;
    this.nextSpanId = undefined;
  }

  generateTraceId(): string {
    const forced = this.nextTraceId;
    if (forced === undefined) return this.random.generateTraceId();
    this.nextTraceId = undefined;
    return forced;
  }

  generateSpanId(): string {
    const forced = this.nextSpanId;
    if (forced === undefined) return this.random.generateSpanId();
    this.nextSpanId = undefined;
    return forced;
  }
}

/** The generator the SDK started by `startTelemetry` uses. */
export const idGenerator = new ForcedIdGenerator();
