import { TemplateResolutionError, TemplateSyntaxError, resolveWithSecretSlots, stepError, type WorkflowStep } from '@agentic-flow/spec';
import type { StepSignal } from './events.js';
import type { NodeState } from './execution-state.js';
import { frameOf } from './instance-key.js';
import { templateScope } from './scope.js';
import type { StepKind, Transition } from './transition.js';
import { failAtLaunch } from './work-step.js';

/** The nesting limit when the shell gives none (`DecideOptions.maxWorkflowDepth`). */
export const DEFAULT_MAX_WORKFLOW_DEPTH = 10;

/**
 * A `workflow` step runs another workflow as a child execution and waits for it as `waiting`. The
 * shell starts the child (`start-child`) and, when the child settles, signals this step run
 * (`child-settled`). Its output is the child's results (by step id); a failed or cancelled child
 * fails it with `CHILD_FAILED` (the child's own error in `details.error`), so its `onError` acts.
 * A `child-settled` failed with an empty `childExecutionId` means the child could not be started
 * (its workflow was gone when the step started: `WORKFLOW_NOT_FOUND`).
 * The node remembers the failed child (`child`): resume from failure resumes that same child from
 * its own failure instead of starting another one.
 */
export const workflowKind: StepKind<WorkflowStep> = {
  launch(t: Transition, key: string, step: WorkflowStep, attempt: number): void {
    const previous = t.node(key);
    if (previous?.child !== undefined && previous.status === 'ready') {
      // Revived from a failure: the same child runs again from its failure, for this new attempt.
      t.setNode(key, { stepId: step.id, status: 'waiting', attempt, child: previous.child });
      t.record(key, 'running');
      t.emit({ type: 'signal-child', key, stepId: step.id, attempt, childExecutionId: previous.child, action: 'resume', at: t.at });
      return;
    }
    const depth = (t.state.depth ?? 0) + 1;
    const limit = t.options.maxWorkflowDepth ?? DEFAULT_MAX_WORKFLOW_DEPTH;
    if (depth > limit) {
      const message =
        `step "${step.id}": starting workflow "${step.config.workflowId}" would nest executions ${depth} deep, over the limit of ${limit} ` +
        `(execution ${t.state.executionId} of workflow "${t.state.workflowId}" is at depth ${depth - 1}; a workflow that calls itself needs a condition to stop)`;
      failAtLaunch(t, key, step.id, attempt, stepError('WORKFLOW_DEPTH', message, { depth, limit, workflowId: step.config.workflowId }));
      return;
    }
    const variables = resolveVariables(t, key, step, attempt);
    if (variables === undefined) return;
    t.setNode(key, { stepId: step.id, status: 'waiting', attempt });
    t.record(key, 'running');
    t.emit({
      type: 'start-child',
      key,
      stepId: step.id,
      attempt,
      workflowId: step.config.workflowId,
      ...(step.config.version !== undefined ? { version: step.config.version } : {}),
      variables,
      depth,
      at: t.at,
    });
  },

  signalled(t: Transition, key: string, signal: StepSignal): string | undefined {
    const node = t.node(key);
    if (signal.type !== 'child-settled') return `a workflow step takes no ${signal.type} signal`;
    if (node?.status !== 'waiting') return `step instance "${key}" is ${node?.status ?? 'absent'}, not waiting for its child`;
    if (signal.status === 'completed') {
      t.setNode(key, { ...node, child: signal.childExecutionId });
      t.succeed(key, signal.output ?? {});
      return undefined;
    }
    // Only a failed child can be resumed from its failure; after a cancelled one, or a child that
    // never started (no id: its workflow was gone), a revived step starts a new child.
    const started = signal.childExecutionId !== '';
    if (signal.status === 'failed' && started) t.setNode(key, { ...node, child: signal.childExecutionId });
    const cause = signal.error ?? { code: 'CANCELLED', message: `child execution ${signal.childExecutionId} was ${signal.status}` };
    const what = started ? `child execution ${signal.childExecutionId} ${signal.status}` : 'its child execution could not start';
    t.fail(
      key,
      stepError('CHILD_FAILED', `step "${node.stepId}": ${what}: ${cause.code}: ${cause.message}`, {
        childExecutionId: started ? signal.childExecutionId : null,
        status: signal.status,
        error: cause,
      }),
    );
    return undefined;
  },

  revive(t: Transition, key: string, node: NodeState, attempt: number): boolean {
    // Keeps `child`: `launch` then resumes that child rather than starting a new one.
    t.setNode(key, { stepId: node.stepId, status: 'ready', attempt, ...(node.child !== undefined ? { child: node.child } : {}) });
    return false;
  },

  paused(t: Transition, key: string, node: NodeState): void {
    if (node.status === 'waiting') signalChild(t, key, node, 'pause');
  },

  resumed(t: Transition, key: string, node: NodeState): void {
    if (node.status === 'waiting') signalChild(t, key, node, 'resume');
  },

  cancelled(t: Transition, key: string, node: NodeState): void {
    signalChild(t, key, node, 'cancel');
  },
};

function signalChild(t: Transition, key: string, node: NodeState, action: 'cancel' | 'pause' | 'resume'): void {
  t.emit({
    type: 'signal-child',
    key,
    stepId: node.stepId,
    attempt: node.attempt,
    ...(node.child !== undefined ? { childExecutionId: node.child } : {}),
    action,
    at: t.at,
  });
}

/**
 * The child's variables with their templates resolved over the step's scope. No secret slots: the
 * type's policy allows none (the variables are stored with the child). A template that does not
 * resolve fails the step with `TEMPLATE`, as a work step's does.
 */
function resolveVariables(t: Transition, key: string, step: WorkflowStep, attempt: number): Record<string, unknown> | undefined {
  const variables = step.config.variables ?? {};
  try {
    const scope = t.scopeOf(frameOf(key), step.id);
    return resolveWithSecretSlots(variables, templateScope(scope, t.state), []).value as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof TemplateResolutionError || error instanceof TemplateSyntaxError)) throw error;
    const path = error instanceof TemplateResolutionError ? error.templatePath : error.template;
    failAtLaunch(t, key, step.id, attempt, stepError('TEMPLATE', `step "${step.id}": ${error.message}`, { path }));
    return undefined;
  }
}
