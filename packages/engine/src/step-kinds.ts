import type { Step, StepError } from '@agentic-flow/spec';
import { launchAgent } from './agent-step.js';
import { launchCondition } from './condition-step.js';
import { instanceKey } from './instance-key.js';
import { iterationFailed, iterationProgress, launchLoop } from './loop-step.js';
import { branchFailed, branchProgress, launchParallel } from './parallel-step.js';
import type { KindDispatch, Transition } from './transition.js';
import { launchWork } from './work-step.js';

/** Dispatches to each step type's rules. */
export const stepKinds: KindDispatch = {
  launch(t: Transition, key: string, step: Step, attempt: number): void {
    switch (step.type) {
      case 'http':
      case 'script':
        return launchWork(t, key, step, attempt);
      case 'agent-task':
        return launchAgent(t, key, step, attempt);
      case 'condition':
        return launchCondition(t, key, step, attempt);
      case 'parallel':
        return launchParallel(t, key, step, attempt);
      case 'loop':
        return launchLoop(t, key, step, attempt);
    }
  },

  scopeProgress(t: Transition, frame: string, scope: string): void {
    const container = t.workflow.graph.containerOf.get(scope)!;
    if (t.step(container).type === 'parallel') {
      const parallelKey = instanceKey(frame, container);
      if (t.node(parallelKey)?.status === 'running') branchProgress(t, frame, scope, parallelKey);
    } else {
      iterationProgress(t, frame, scope);
    }
  },

  scopeFailed(t: Transition, frame: string, scope: string, key: string, error: StepError): void {
    const container = t.workflow.graph.containerOf.get(scope)!;
    if (t.step(container).type === 'parallel') {
      const parallelKey = instanceKey(frame, container);
      if (t.node(parallelKey)?.status === 'running') branchFailed(t, frame, scope, parallelKey, key, error);
    } else {
      iterationFailed(t, frame, scope, error);
    }
  },
};
