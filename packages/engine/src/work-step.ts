import {
  SECRET_POLICIES,
  TemplateResolutionError,
  TemplateSyntaxError,
  resolveWithSecretSlots,
  stepError,
  type SecretSlot,
  type Step,
  type StepError,
  type WorkStepType,
} from '@agentic-flow/spec';
import type { ScopePayload } from './commands.js';
import { frameOf } from './instance-key.js';
import { retryPolicyOf } from './recovery.js';
import { templateScope } from './scope.js';
import type { StepKind, Transition } from './transition.js';
import { workJobContents } from './work-job.js';

type WorkStep = Step & { type: WorkStepType };

/**
 * A work step (http, script) resolves its templates and goes to a worker, with its retry policy
 * when its strategy is `retry`. A template that does not resolve fails the step here, without a
 * worker (and without retries). Agent tasks build their job's config on top (`agent-step.ts`).
 */
export function launchWork(t: Transition, key: string, step: WorkStep, attempt: number): void {
  const scope = t.scopeOf(frameOf(key), step.id);
  const resolved = resolveConfig(t, key, step, attempt, scope);
  if (resolved) queueWork(t, key, step, attempt, resolved.config, scope, resolved.secretSlots);
}

/** http and script steps: a worker runs them; the core's defaults do the rest. */
export const workKind: StepKind<WorkStep> = { launch: launchWork };

/**
 * The step's config with its templates resolved over `scope`, once, and the slots where the
 * definition's text puts secrets (`resolveWithSecretSlots`): the worker fills those and resolves
 * nothing else, so a value from variables, results or input is never read as a template. A
 * template that does not resolve fails instance `key` with `TEMPLATE` (see `failAtLaunch`) and
 * gives undefined.
 */
export function resolveConfig(
  t: Transition,
  key: string,
  step: WorkStep,
  attempt: number,
  scope: ScopePayload,
): { config: unknown; secretSlots: SecretSlot[] } | undefined {
  try {
    // Secret values exist only on workers: here a secret is a name in a slot, never stored or logged as a value.
    const resolved = resolveWithSecretSlots(step.config, templateScope(scope, t.state), SECRET_POLICIES.get(step.type)?.fields ?? []);
    return { config: resolved.value, secretSlots: resolved.secretSlots };
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

/**
 * Queues instance `key`: the node waits as `queued` and a `run-step` sends `config` (and its secret
 * slots) to a worker, with its retry policy and what its type's job carries beside it
 * (`workJobContents`: its scope, what is left of the token budget).
 */
export function queueWork(
  t: Transition,
  key: string,
  step: WorkStep,
  attempt: number,
  config: unknown,
  scope: ScopePayload,
  secretSlots: readonly SecretSlot[] = [],
): void {
  t.setNode(key, { stepId: step.id, status: 'queued', attempt });
  const retry = retryPolicyOf(step, t.options);
  t.emit({
    type: 'run-step',
    key,
    stepId: step.id,
    stepType: step.type,
    attempt,
    config,
    ...(secretSlots.length > 0 ? { secretSlots: [...secretSlots] } : {}),
    ...workJobContents(step.type, t.state, () => scope),
    ...(retry ? { retry } : {}),
    at: t.at,
  });
}
