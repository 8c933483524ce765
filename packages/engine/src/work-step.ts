import { TemplateResolutionError, TemplateSyntaxError, resolveTemplates, stepError, type Step, type StepError, type WorkStepType } from '@agentic-flow/spec';
import type { RunStepCommand, ScopePayload } from './commands.js';
import { frameOf } from './instance-key.js';
import { retryPolicyOf } from './recovery.js';
import { templateScope } from './scope.js';
import type { Transition } from './transition.js';

/** Step types whose code reads the whole scope and therefore needs it in the job. */
const NEEDS_CONTEXT: ReadonlySet<string> = new Set<WorkStepType>(['script', 'agent-task']);

type WorkStep = Step & { type: WorkStepType };

/**
 * A work step (http, script) resolves its templates and goes to a worker, with its retry policy
 * when its strategy is `retry`. A template that does not resolve fails the step here, without a
 * worker (and without retries). Agent tasks build their job's config on top (`agent-step.ts`).
 */
export function launchWork(t: Transition, key: string, step: WorkStep, attempt: number): void {
  const scope = t.scopeOf(frameOf(key), step.id);
  const resolved = resolveConfig(t, key, step, attempt, scope);
  if (resolved) queueWork(t, key, step, attempt, resolved.config, scope);
}

/**
 * The step's config with its templates resolved over `scope` (`secrets` left to the worker). A
 * template that does not resolve fails instance `key` with `TEMPLATE` (see `failAtLaunch`) and
 * gives undefined.
 */
export function resolveConfig(t: Transition, key: string, step: WorkStep, attempt: number, scope: ScopePayload): { config: unknown } | undefined {
  try {
    // `secrets` are resolved on the worker only, so they are never stored or logged here.
    return { config: resolveTemplates(step.config, templateScope(scope, t.state), { deferRoots: ['secrets'] }) };
  } catch (error) {
    if (!(error instanceof TemplateResolutionError || error instanceof TemplateSyntaxError)) throw error;
    const path = error instanceof TemplateResolutionError ? error.templatePath : error.template;
    failAtLaunch(t, key, step.id, attempt, stepError('TEMPLATE', `step "${step.id}": ${error.message}`, { path }));
    return undefined;
  }
}

/** A step instance that cannot go to a worker fails at once: its run is recorded failed and its strategy acts. */
export function failAtLaunch(t: Transition, key: string, stepId: string, attempt: number, error: StepError): void {
  t.setNode(key, { stepId, status: 'failed', attempt });
  t.fail(key, error);
}

/** Queues instance `key`: the node waits as `queued` and a `run-step` sends `config` to a worker. */
export function queueWork(t: Transition, key: string, step: WorkStep, attempt: number, config: unknown, scope: ScopePayload, budget?: RunStepCommand['budget']): void {
  t.setNode(key, { stepId: step.id, status: 'queued', attempt });
  const retry = retryPolicyOf(step, t.options);
  t.emit({
    type: 'run-step',
    key,
    stepId: step.id,
    stepType: step.type,
    attempt,
    config,
    ...(NEEDS_CONTEXT.has(step.type) ? { context: scope } : {}),
    ...(retry ? { retry } : {}),
    ...(budget ? { budget } : {}),
    at: t.at,
  });
}
