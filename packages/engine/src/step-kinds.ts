import { agentKind } from './agent-step.js';
import { conditionKind } from './condition-step.js';
import { loopKind } from './loop-step.js';
import { parallelKind } from './parallel-step.js';
import type { StepKinds } from './transition.js';
import { waitKind } from './wait-step.js';
import { workKind } from './work-step.js';
import { workflowKind } from './workflow-step.js';

/** Every step type's rules, one line each: the only place the engine lists step types. */
export const STEP_KINDS: StepKinds = {
  http: workKind,
  script: workKind,
  'agent-task': agentKind,
  condition: conditionKind,
  parallel: parallelKind,
  loop: loopKind,
  workflow: workflowKind,
  wait: waitKind,
};
