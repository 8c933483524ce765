import { idempotencyKeyOf, type StepExecutor, type StepLogEntry, type StepOutcome } from '@agentic-flow/executors';
import {
  StepJobSchema,
  type CircuitBreaker,
  type CircuitDecision,
  type CircuitRejection,
  type CircuitVerdict,
  type ReportedRun,
  type StepJob,
} from '@agentic-flow/queue';
import { retryOwnerOf, stepError, type StepError } from '@agentic-flow/spec';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger, TraceScope } from '@agentic-flow/telemetry';
import type { JobProcessor, StepTrace } from './job-processor.js';
import { quarantineCrashes, type CrashQuarantineOptions } from './crash-quarantine.js';
import { circuitVerdict, isRetryableFailure } from './failure-classification.js';
import { internalError } from './internal-error.js';
import { DEFAULT_OUTPUT_LIMITS, guardOutput, type OutputLimits } from './output-guard.js';
import { minimalFailureJson, resultJson } from './result-json.js';
import { fillSecretSlots } from './secret-slots.js';
import { WorkerSecrets } from './worker-secrets.js';
import type { WorkerMetrics } from './metrics/worker-metrics.js';

/** The part of `CircuitBreaker` the processor uses. */
export type StepCircuitBreaker = Pick<CircuitBreaker, 'acquire' | 'record'>;

export interface StepProcessorOptions {
  executors: ReadonlyMap<string, StepExecutor>;
  /**
   * Puts a result, as JSON text (`stepResultJson`), on `step-results`, with its run's reported-result
   * marker: `ResultReporter.reportJson`.
   */
  reportJson: (resultJson: string, run: ReportedRun) => Promise<void>;
  workerId: string;
  /**
   * The worker's secrets: the values its steps' secret slots and scripts' `secrets` get, and the mask
   * applied to everything the worker reports. A plain record is a fixed set (with `redact`).
   */
  secrets: WorkerSecrets | Readonly<Record<string, string>>;
  /** With a plain `secrets` record: more values to mask (API keys, passwords of the worker's own). */
  redact?: readonly string[];
  logger: Logger;
  /** Circuit breakers shared by the workers; without them no step goes through one. */
  circuitBreaker?: StepCircuitBreaker;
  /** What any step may hand back. Default 1 MiB of JSON, 200 levels. */
  outputLimits?: OutputLimits;
  /** Counting sandbox crashes per run, and quarantining at a threshold; without it crashes are not counted. */
  crashQuarantine?: CrashQuarantineOptions;
  /** In-memory step counters for `/metrics` (no I/O per step); absent: nothing counted. */
  metrics?: WorkerMetrics;
}

/** What a result needs of its job: the run it is for. */
const StepRunIdsSchema = StepJobSchema.pick({ stepRunId: true, executionId: true, instanceKey: true, attempt: true });

/** Wall-clock time with sub-millisecond resolution: step timings feed the per-step overhead benchmark. */
const now = (): number => performance.timeOrigin + performance.now();

/**
 * Turns a step job into a reported result. A step that fails is reported as a failed result and its
 * job then fails too, so it lands in the queue's failed set (the dead letter queue).
 *
 * A job with a retry strategy has BullMQ `attempts`: while attempts remain, a retryable failure
 * reports nothing and throws a plain error, so BullMQ runs the job again after the strategy's
 * backoff (`RETRY_BACKOFF`, registered by `StepConsumers`); only the last attempt reports its
 * failure. A failure no retry can mend (`NON_RETRYABLE_CODES`) is reported at once. Such a job's
 * strategy is the run's one retry owner: the executor is told so (`retryOwner`) and tries each of
 * its calls once per attempt, instead of adding its own retries on top (spec's `retry-owner.ts`).
 *
 * Every job that runs ends with a result: an output over the limits fails `OUTPUT_TOO_LARGE`
 * (`guardOutput`), a crashed sandbox counts towards `POISON` (`quarantineCrashes`), and whatever
 * throws on the way — an executor, serialization, the guard — is reported as an `INTERNAL` failure,
 * falling back to a result that cannot fail to serialize.
 *
 * Secrets: the worker resolves no template. It fills the job's secret slots (`fillSecretSlots`),
 * which the engine made from the definition's text, and nothing else; a script gets the secrets its
 * config lists through `runtime.secret`. Everything that leaves the worker is masked with
 * `secrets.mask` (every secret the worker holds, its credentials, and their encoded forms): the
 * result's JSON as a whole (output, error message and details, logs, agent record) at the one place
 * it is reported, the circuit breaker's key, and the error BullMQ keeps as the job's failedReason
 * and stack trace. (The worker's own log is masked by its logger: see `main.ts`.) Only failing to *report* (Redis down) throws, so BullMQ retries the job (a lost result
 * would leave the step queued in PostgreSQL until the reconciler's grace ran out).
 *
 * Steps with a target (their executor's `circuitKey`) go through its circuit breaker: one Redis call
 * before the step and one after; the outcome's verdict is `circuitVerdict`'s, with the executor's say
 * on its own failure codes. A rejected step fails with `CIRCUIT_OPEN` without running, and that failure
 * follows the rules above like any other.
 *
 * A step whose `signal` aborts (it was cancelled: `cancellableProcessor` gives each job its signal)
 * ends without a result and without an error, so BullMQ completes its job: no retry, no dead letter.
 */
export function createStepProcessor(options: StepProcessorOptions): JobProcessor {
  const { executors, workerId, logger, circuitBreaker, crashQuarantine, metrics } = options;
  const outputLimits = options.outputLimits ?? DEFAULT_OUTPUT_LIMITS;
  const secrets = options.secrets instanceof WorkerSecrets ? options.secrets : WorkerSecrets.of(options.secrets, options.redact);
  // The one place results leave the worker: whatever a step handed back, no secret goes with it.
  const reportJson = (json: string, run: ReportedRun): Promise<void> => options.reportJson(secrets.mask.json(json), run);
  // Kept by BullMQ as the job's failedReason and stack trace: masked before the error (and its stack) exists.
  const jobError = (message: string): UnrecoverableError => new UnrecoverableError(secrets.mask.text(message));

  return async (job: Job, _token?: string, jobSignal?: AbortSignal, trace?: StepTrace): Promise<void> => {
    // Never a signal shared between jobs: every executor call adds abort listeners to it.
    const signal = jobSignal ?? new AbortController().signal;
    const parsed = StepJobSchema.safeParse(job.data);
    if (!parsed.success) {
      const problem = `malformed step job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
      logger.error({ jobId: job.id, queue: job.queueName, issues: parsed.error.issues }, 'malformed step job: dead-lettered');
      // A job that still names its run gets a failed result: left without one, its run would wait
      // for the reconciler, which would find the failed job and enqueue it again.
      const run = StepRunIdsSchema.safeParse(job.data);
      if (run.success)
        await reportJson(
          minimalFailureJson(run.data, stepError('INTERNAL', problem.slice(0, 1000)), [], { startedAt: now(), finishedAt: now(), workerId }),
          run.data,
        );
      throw jobError(problem);
    }
    const data = parsed.data;
    const log = logger.child({ executionId: data.executionId, stepRunId: data.stepRunId, stepId: data.stepId, ...trace?.logFields });
    const startedAt = now();
    const logs: StepLogEntry[] = [];
    // BullMQ's attempts of this job (its retry strategy), not the step run's `attempt`.
    const attempts = Math.max(1, job.opts.attempts ?? 1);
    const attempt = job.attemptsMade + 1;
    // Enqueued at (coordinator clock) to taken here; a retry's wait would include its backoff.
    const queueWaitMs = attempt === 1 ? startedAt - data.enqueuedAt : undefined;
    if (attempt > 1) {
      const previous = job.failedReason ? ` (attempt ${attempt - 1} failed: ${job.failedReason})` : '';
      logs.push({ level: 'info', message: `attempt ${attempt} of ${attempts}${previous}`, at: Date.now() });
    }

    let json: string;
    let failure: StepError | undefined;
    // Recorded once the result is on its way: the next step waits for the report, not for the metrics.
    let finished: () => void;
    try {
      const ran = await run(data, executors.get(data.stepType), {
        startedAt,
        secrets,
        signal,
        logs,
        circuitBreaker,
        log,
        ...(trace ? { inTrace: trace.scope } : {}),
      });
      // A cancelled step's run is already settled in PostgreSQL: it reports nothing, and its job completes
      // (a cancellation is not a failure, and must neither be retried nor land in the dead letter queue).
      if (signal.aborted) {
        metrics?.stepFinished(data.stepType, 'cancelled', now() - startedAt, queueWaitMs);
        log.info({ attempt, durationMs: now() - startedAt }, 'step cancelled: ended without a result');
        return;
      }
      const outcome = crashQuarantine ? await quarantineCrashes(ran, data.stepRunId, crashQuarantine, log) : ran;
      const guarded = outcome.ok ? guardOutput(outcome.output, outcome.variableUpdates, outputLimits) : undefined;
      const final: StepOutcome = guarded && !guarded.ok ? withError(outcome, guarded.error) : outcome;
      if (!final.ok && attempt < attempts && isRetryableFailure(final.error)) {
        // Not reported: BullMQ retries the job after the backoff, and the backoff strategy logs the retry.
        metrics?.stepFinished(data.stepType, 'retried', now() - startedAt, queueWaitMs, final.agent);
        throw new RetryLater(secrets.mask.text(`${final.error.code}: ${final.error.message}`));
      }
      failure = final.ok ? undefined : final.error;
      const serialized = guarded?.ok ? guarded : { outputJson: undefined, variableUpdatesJson: undefined };
      const finishedAt = now();
      json = resultJson(data, final, serialized, logs, { startedAt, finishedAt, workerId });
      finished = () => metrics?.stepFinished(data.stepType, failure ? 'failed' : 'succeeded', finishedAt - startedAt, queueWaitMs, final.agent);
    } catch (error) {
      if (error instanceof RetryLater) throw error;
      // A bug of ours: the step still gets a result, without its output, rather than none at all.
      failure = internalError('the worker failed to handle the step', error, secrets.mask);
      log.error({ error: secrets.mask.text(errorStack(error)) }, 'step failed inside the worker: reported as INTERNAL');
      const failedAt = now();
      finished = () => metrics?.stepFinished(data.stepType, 'failed', failedAt - startedAt, queueWaitMs);
      json = minimalFailureJson(data, failure, logs, { startedAt, finishedAt: now(), workerId });
    }
    // Throws when Redis cannot take it: BullMQ then retries the job (or fails it for the reconciler).
    await (trace ? trace.scope(() => reportJson(json, data)) : reportJson(json, data));
    finished();
    if (failure) {
      log.warn({ code: failure.code, attempt, attempts, durationMs: now() - startedAt }, `step failed: ${failure.message}`);
      throw jobError(`${failure.code}: ${failure.message}`);
    }
    log.debug({ attempt, durationMs: now() - startedAt }, 'step succeeded');
  };
}

/** Thrown for BullMQ to run the job again after its backoff; any other throw is reported instead. */
class RetryLater extends Error {
  override readonly name = 'RetryLater';
}

function withError(outcome: StepOutcome, error: StepError): StepOutcome {
  return outcome.agent ? { ok: false, error, agent: outcome.agent } : { ok: false, error };
}

function errorStack(error: unknown): string {
  try {
    return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  } catch {
    return 'an error that cannot be described';
  }
}

interface RunOptions {
  /** When this worker started the step, epoch ms (the result's `startedAt`, a script's `startTime`). */
  startedAt: number;
  secrets: WorkerSecrets;
  signal: AbortSignal;
  logs: StepLogEntry[];
  circuitBreaker: StepCircuitBreaker | undefined;
  log: Logger;
  /** The step's trace scope, handed to the executor (`StepRuntime.inTrace`). */
  inTrace?: TraceScope;
}

async function run(job: StepJob, executor: StepExecutor | undefined, options: RunOptions): Promise<StepOutcome> {
  if (!executor) {
    return { ok: false, error: stepError('UNSUPPORTED_STEP_TYPE', `no executor for "${job.stepType}" steps is installed in this worker`) };
  }
  // The engine resolved every other template; the slots are the only places secrets go.
  const filled = fillSecretSlots(job.config, job.secretSlots, (name) => options.secrets.value(name));
  if (!filled.ok) return { ok: false, error: filled.error };
  const config = filled.config;
  // The target is known only now: a secret may name the host. The key is stored and shown: masked.
  const breaker = options.circuitBreaker;
  const target = breaker ? executor.circuitKey?.(config) : undefined;
  const key = target === undefined ? undefined : options.secrets.mask.text(target);
  if (!breaker || key === undefined) return execute(job, executor, config, options);

  let decision: CircuitDecision;
  try {
    decision = await breaker.acquire(key);
  } catch (error) {
    // The breaker protects targets; it must not stop steps when it cannot be consulted.
    options.log.warn({ err: error, circuitBreaker: key }, 'circuit breaker unavailable: the step runs without it');
    return execute(job, executor, config, options);
  }
  if (!decision.allowed) return { ok: false, error: circuitOpenError(decision) };

  // Whatever happens, the permit goes back: a half-open trial slot must not stay taken.
  let verdict: CircuitVerdict = 'ignore';
  try {
    const outcome = await execute(job, executor, config, options);
    verdict = circuitVerdict(outcome, executor, options.signal.aborted);
    return outcome;
  } finally {
    await breaker.record(decision, verdict).catch((error: unknown) => {
      options.log.warn({ err: error, circuitBreaker: key, verdict }, 'circuit breaker: could not record the outcome');
    });
  }
}

async function execute(job: StepJob, executor: StepExecutor, config: unknown, options: RunOptions): Promise<StepOutcome> {
  try {
    return await executor.execute(
      {
        stepRunId: job.stepRunId,
        stepId: job.stepId,
        stepType: job.stepType,
        executionId: job.executionId,
        attempt: job.attempt,
        startTime: Math.floor(options.startedAt),
        idempotencyKey: idempotencyKeyOf(job),
        // Whether BullMQ attempts retry this run, from the job alone: no rule per step type here.
        retryOwner: retryOwnerOf(job.retry),
        config,
        context: job.context ?? {
          results: {},
          variables: {},
          input: {},
          execution: { id: job.executionId, workflowId: job.workflowId, workflowVersion: job.workflowVersion },
        },
        ...(job.budget ? { budget: job.budget } : {}),
      },
      {
        signal: options.signal,
        log: (level, message) => options.logs.push({ level, message, at: Date.now() }),
        secret: (name) => options.secrets.value(name),
        ...(options.inTrace ? { inTrace: options.inTrace } : {}),
      },
    );
  } catch (error) {
    // An executor that throws has a bug; the step still gets a result instead of hanging.
    return { ok: false, error: internalError(`executor "${job.stepType}" crashed`, error, options.secrets.mask) };
  }
}

function circuitOpenError(rejection: CircuitRejection): StepError {
  const wait = `${Math.ceil(rejection.retryAfterMs / 100) / 10} s`;
  const message =
    rejection.state === 'open'
      ? `circuit breaker ${rejection.key} is open (${rejection.failures} failures); retry after ${wait}`
      : `circuit breaker ${rejection.key} is half-open with ${rejection.halfOpenInFlight} trial calls in flight; retry after at most ${wait}`;
  return stepError('CIRCUIT_OPEN', message, {
    breaker: rejection.key,
    state: rejection.state,
    failures: rejection.failures,
    openedAt: rejection.openedAt,
    retryAfterMs: rejection.retryAfterMs,
  });
}
