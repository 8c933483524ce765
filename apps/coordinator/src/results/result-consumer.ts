import { ExpressionAnswerSchema, ResultStreamConsumer, StepResultSchema, type StepResult, type StreamEntry } from '@agentic-flow/queue';
import { stepError } from '@agentic-flow/spec';
import type { Logger } from '@agentic-flow/telemetry';
import type { Redis } from 'ioredis';
import type { ResultEntry } from './result-applier.js';
import { isTransient } from './transient-error.js';

export interface ResultConsumerOptions {
  blocking: Redis;
  commands: Redis;
  prefix: string;
  /** Unique per coordinator process. */
  consumer: string;
  /** Results read, and applied in one transaction, at most at once. */
  batchSize: number;
  /** Results another coordinator held unacknowledged this long are taken over. */
  claimIdleMs: number;
  /** Applies entries; `lengths` are their payloads' JSON lengths (upper bounds of what they add to a state). */
  apply: (results: ResultEntry[], lengths: number[]) => Promise<unknown>;
  /** Puts an entry back on `step-results` (the failure a quarantined result becomes). */
  publish: (entry: ResultEntry) => Promise<void>;
  /** A result taken over from coordinators that died holding it this many times is quarantined. */
  poisonThreshold: number;
  logger: Logger;
}

/** A result whose own transaction fails this often for a reason other than an outage is dead-lettered. */
const MAX_ATTEMPTS = 5;

/**
 * Applies `step-results` in batches: every result read together goes into one transaction. A
 * malformed result is logged and dead-lettered at once; when a batch fails, its results are applied
 * one by one so a bad one cannot hold up its neighbours, and one that keeps failing for a data
 * reason is dead-lettered. During an outage (database unreachable) results stay pending and are
 * retried, never dead-lettered.
 */
export class ResultConsumer {
  private readonly stream: ResultStreamConsumer;
  private readonly attempts = new Map<string, number>();

  constructor(private readonly options: ResultConsumerOptions) {
    this.stream = new ResultStreamConsumer({
      blocking: options.blocking,
      commands: options.commands,
      prefix: options.prefix,
      consumer: options.consumer,
      batchSize: options.batchSize,
      claimIdleMs: options.claimIdleMs,
      handle: (entries) => this.handle(entries),
      onError: (error) => options.logger.error({ err: error }, 'reading step results failed'),
      poisonThreshold: options.poisonThreshold,
      onPoison: (entries, crashes) => this.quarantine(entries, crashes),
    });
  }

  /**
   * Results whose application killed `crashes` coordinators: each goes to `step-results:dead` with
   * that reason, and its step fails with POISON instead (a failure, published like a worker's, so
   * the step's recovery strategy still acts and otherwise the execution fails saying why). A POISON
   * failure that itself kills coordinators is only dead-lettered, so quarantine cannot loop.
   */
  private async quarantine(entries: StreamEntry[], crashes: number): Promise<void> {
    for (const entry of entries) {
      const reason = `applying it crashed ${crashes} coordinators: quarantined`;
      this.options.logger.error({ entryId: entry.id, crashes }, `step result ${reason}`);
      await this.stream.deadLetter(entry, reason);
      const failure = poisonFailure(entry.data, crashes);
      if (failure) await this.options.publish(failure);
    }
  }

  start(): Promise<void> {
    return this.stream.start();
  }

  close(): Promise<void> {
    return this.stream.close();
  }

  private async handle(entries: StreamEntry[]): Promise<string[]> {
    const done: string[] = [];
    const valid: { entry: StreamEntry; result: ResultEntry }[] = [];
    for (const entry of entries) {
      const isAnswer = (entry.data as { kind?: unknown } | null)?.kind === 'expression';
      const parsed = isAnswer ? ExpressionAnswerSchema.safeParse(entry.data) : StepResultSchema.safeParse(entry.data);
      if (parsed.success) {
        valid.push({ entry, result: parsed.data });
        continue;
      }
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      this.options.logger.error({ entryId: entry.id, problems }, 'malformed step result: dead-lettered');
      await this.stream.deadLetter(entry, `malformed step result: ${problems}`);
      done.push(entry.id);
    }
    if (valid.length === 0) return done;
    try {
      await this.options.apply(
        valid.map((v) => v.result),
        valid.map((v) => v.entry.length),
      );
      return [...done, ...valid.map((v) => v.entry.id)];
    } catch (error) {
      if (isTransient(error)) throw error;
      if (valid.length === 1) return [...done, ...(await this.failed(valid[0]!.entry, error))];
    }
    for (const { entry, result } of valid) {
      try {
        await this.options.apply([result], [entry.length]);
        done.push(entry.id);
        this.attempts.delete(entry.id);
      } catch (error) {
        if (isTransient(error)) throw error;
        done.push(...(await this.failed(entry, error)));
      }
    }
    return done;
  }

  /** Counts a data failure; dead-letters the entry (and reports it done) at the limit. */
  private async failed(entry: StreamEntry, error: unknown): Promise<string[]> {
    const attempts = (this.attempts.get(entry.id) ?? 0) + 1;
    const message = error instanceof Error ? error.message : String(error);
    if (attempts < MAX_ATTEMPTS) {
      this.attempts.set(entry.id, attempts);
      this.options.logger.warn({ entryId: entry.id, attempts, err: error }, 'applying a step result failed; will retry');
      return [];
    }
    this.attempts.delete(entry.id);
    this.options.logger.error({ entryId: entry.id, attempts, err: error }, 'step result dead-lettered after repeated failures');
    await this.stream.deadLetter(entry, `failed ${attempts} times: ${message}`);
    return [entry.id];
  }
}

/** The POISON failure a quarantined entry becomes; undefined for one that is malformed or a POISON failure already. */
function poisonFailure(data: unknown, crashes: number): ResultEntry | undefined {
  const message = `applying this step's result crashed ${crashes} coordinators; it is quarantined in step-results:dead`;
  const error = stepError('POISON', message, { crashes });
  const answer = ExpressionAnswerSchema.safeParse(data);
  if (answer.success)
    return answer.data.outcome.ok || answer.data.outcome.error.code !== 'POISON' ? { ...answer.data, outcome: { ok: false, error } } : undefined;
  const result = StepResultSchema.safeParse(data);
  if (!result.success || (result.data.outcome === 'failed' && result.data.error.code === 'POISON')) return undefined;
  const { output: _output, variableUpdates: _updates, agent: _agent, ...rest } = result.data as StepResult & { output?: unknown; variableUpdates?: unknown };
  return { ...rest, outcome: 'failed', error, logs: [] };
}
