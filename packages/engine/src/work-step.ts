import { TemplateResolutionError, TemplateSyntaxError, resolveTemplates, stepError, type Step, type WorkStepType } from '@agentic-flow/spec';
import { frameOf } from './instance-key.js';
import { retryPolicyOf } from './recovery.js';
import { templateScope } from './scope.js';
import type { Transition } from './transition.js';

/** Step types whose code reads the whole scope and therefore needs it in the job. */
const NEEDS_CONTEXT: ReadonlySet<string> = new Set<WorkStepType>(['script', 'agent-task']);

/**
 * A work step (http, script, agent-task) resolves its templates and goes to a worker, with its
 * retry policy when its strategy is `retry`. A template that does not resolve fails the step here,
 * without a worker (and without retries).
 */
export function launchWork(t: Transition, key: string, step: Step & { type: WorkStepType }, attempt: number): void {
  const frame = frameOf(key);
  const scope = t.scopeOf(frame, step.id);
  let config: unknown;
  try {
    // `secrets` are resolved on the worker only, so they are never stored or logged here.
    config = resolveTemplates(step.config, templateScope(scope, t.state), { deferRoots: ['secrets'] });
  } catch (error) {
    if (!(error instanceof TemplateResolutionError || error instanceof TemplateSyntaxError)) throw error;
    const path = error instanceof TemplateResolutionError ? error.templatePath : error.template;
    t.setNode(key, { stepId: step.id, status: 'failed', attempt });
    t.fail(key, stepError('TEMPLATE', `step "${step.id}": ${error.message}`, { path }));
    return;
  }
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
    at: t.at,
  });
}
