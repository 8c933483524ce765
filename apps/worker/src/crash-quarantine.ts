import type { StepOutcome } from '@agentic-flow/executors';
import type { SandboxCrashCounter } from '@agentic-flow/queue';
import { stepError } from '@agentic-flow/spec';
import type { Logger } from '@agentic-flow/telemetry';

export interface CrashQuarantineOptions {
  /** Counts crashes per step run, shared by every worker (Redis). */
  counter: Pick<SandboxCrashCounter, 'record'>;
  /** Crashes at which the step is quarantined: it fails `POISON` instead of `SANDBOX_CRASHED`. */
  threshold: number;
}

/**
 * A step whose code crashed the sandbox process running it may do so on every attempt: each crash
 * costs a process and a restart, and a `retry` strategy would repeat it up to its `maxAttempts`.
 * So crashes are counted per step run (durably: the next attempt may run on another worker), and
 * at `threshold` the step fails `POISON` — not retried, its job dead-lettered — instead of
 * `SANDBOX_CRASHED`, which a `retry` strategy retries. Any other outcome passes through untouched,
 * without a Redis call, and so does a step no sandbox process could be started for.
 *
 * If the count cannot be kept (Redis unreachable), the crash is reported as it is: the step still
 * fails, and a later crash counts again.
 */
export async function quarantineCrashes(outcome: StepOutcome, stepRunId: string, options: CrashQuarantineOptions, log: Logger): Promise<StepOutcome> {
  if (outcome.ok || outcome.error.code !== 'SANDBOX_CRASHED') return outcome;
  // Only a process that died running this step blames it (its exit is in the details). When no
  // process could be started at all, the host is broken, not the step.
  if (outcome.error.details === undefined || !('exitCode' in outcome.error.details)) return outcome;
  let crashes: number;
  try {
    crashes = await options.counter.record(stepRunId);
  } catch (error) {
    log.warn({ err: error }, 'could not count a sandbox crash: reported without it');
    return outcome;
  }
  const crash = outcome.error.details ?? {};
  if (crashes < options.threshold) {
    return {
      ...outcome,
      error: stepError('SANDBOX_CRASHED', `${outcome.error.message} (crash ${crashes}; the step is quarantined at ${options.threshold})`, {
        ...crash,
        crashes,
      }),
    };
  }
  log.error({ crashes, threshold: options.threshold, crash }, 'step quarantined: it crashed its sandbox process too often');
  const error = stepError('POISON', `quarantined: the step crashed its sandbox process ${crashes} times (last: ${outcome.error.message})`, {
    crashes,
    ...crash,
  });
  return outcome.agent ? { ok: false, error, agent: outcome.agent } : { ok: false, error };
}
