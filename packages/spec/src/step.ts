import { z } from 'zod';
import { StepIdSchema } from './ids.js';
import { RecoveryStrategySchema } from './recovery-strategy.js';
import { templateResultReads, type ConfigResultReads, type ReadRoot, type ResultReads } from './result-reads.js';
import type { SecretPolicy } from './secrets.js';
import type { WorkJobContents } from './work-job-contents.js';
import { AGENT_TASK_JOB_CONTENTS, AGENT_TASK_READS, AGENT_TASK_SECRETS, AgentTaskConfigSchema } from './steps/agent-task.js';
import { CONDITION_READS, CONDITION_SECRETS, ConditionConfigSchema } from './steps/condition.js';
import { HTTP_JOB_CONTENTS, HTTP_SECRETS, HttpConfigSchema } from './steps/http.js';
import { LOOP_READS, LOOP_SECRETS, LoopConfigSchema } from './steps/loop.js';
import { PARALLEL_READS, PARALLEL_SECRETS, ParallelConfigSchema } from './steps/parallel.js';
import { SCRIPT_JOB_CONTENTS, SCRIPT_READS, SCRIPT_SECRETS, ScriptConfigSchema } from './steps/script.js';
import { WORKFLOW_SECRETS, WorkflowConfigSchema } from './steps/workflow.js';
import { WAIT_SECRETS, WaitConfigSchema } from './steps/wait.js';

export const STEP_TYPES = ['agent-task', 'parallel', 'condition', 'loop', 'http', 'script', 'wait', 'workflow'] as const;
export type StepType = (typeof STEP_TYPES)[number];

/** Step types the coordinator evaluates itself (a `wait` step waits for its timer, a `workflow` step starts a child execution); the rest run on workers. */
export const CONTROL_STEP_TYPES = ['parallel', 'condition', 'loop', 'wait', 'workflow'] as const satisfies readonly StepType[];
export const WORK_STEP_TYPES = ['agent-task', 'http', 'script'] as const satisfies readonly StepType[];
export type ControlStepType = (typeof CONTROL_STEP_TYPES)[number];
export type WorkStepType = (typeof WORK_STEP_TYPES)[number];

/**
 * Control steps that open scopes of their own (a parallel's branches, a loop's iterations). Such a
 * step can never be a recovery step, which runs as one instance in the failed step's place.
 */
export const CONTAINER_STEP_TYPES = ['parallel', 'loop'] as const satisfies readonly ControlStepType[];

export function isContainerStepType(type: string): boolean {
  return (CONTAINER_STEP_TYPES as readonly string[]).includes(type);
}

/**
 * Control steps that ask the coordinator for expressions: an answer lost with a coordinator is asked
 * again by the reconciler. Other control steps wait for nothing a process holds.
 */
export const EVALUATING_STEP_TYPES = ['condition', 'loop'] as const satisfies readonly ControlStepType[];

/** The step types whose runs in flight the reconciler watches: a job or an expression's answer can go missing. */
export const RECONCILED_STEP_TYPES: readonly StepType[] = [...WORK_STEP_TYPES, ...EVALUATING_STEP_TYPES];

export function isControlStepType(type: string): type is ControlStepType {
  return (CONTROL_STEP_TYPES as readonly string[]).includes(type);
}

/**
 * Where each step type's config may reference `{{ secrets.NAME }}`: each policy is declared by its
 * step type's module. A Map, so a raw type such as `__proto__` finds nothing.
 */
export const SECRET_POLICIES: ReadonlyMap<string, SecretPolicy> = new Map<StepType, SecretPolicy>([
  ['agent-task', AGENT_TASK_SECRETS],
  ['parallel', PARALLEL_SECRETS],
  ['condition', CONDITION_SECRETS],
  ['loop', LOOP_SECRETS],
  ['http', HTTP_SECRETS],
  ['script', SCRIPT_SECRETS],
  ['workflow', WORKFLOW_SECRETS],
  ['wait', WAIT_SECRETS],
]);

/**
 * What each work step type's job carries beside its config (its scope, what is left of the token
 * budget): declared by the type's module, read by the engine when it queues a step and by the
 * coordinator when it enqueues a stored run again. A Map, so a raw type such as `__proto__` finds nothing.
 */
export const WORK_JOB_CONTENTS: ReadonlyMap<string, WorkJobContents> = new Map<WorkStepType, WorkJobContents>([
  ['agent-task', AGENT_TASK_JOB_CONTENTS],
  ['http', HTTP_JOB_CONTENTS],
  ['script', SCRIPT_JOB_CONTENTS],
]);

/**
 * What each step type reads of the results beyond its config's templates (its expressions, its
 * code, an agent's context): declared by the type's module. A type not listed reads what its
 * templates read. A Map, so a raw type such as `__proto__` finds nothing.
 */
// biome-ignore lint/suspicious/noExplicitAny: each reader takes its own type's config; `stepResultReads` hands it the right one.
const RESULT_READS: ReadonlyMap<string, ConfigResultReads<any>> = new Map<StepType, ConfigResultReads<any>>([
  ['agent-task', AGENT_TASK_READS],
  ['condition', CONDITION_READS],
  ['loop', LOOP_READS],
  ['parallel', PARALLEL_READS],
  ['script', SCRIPT_READS],
]);

/** The results (or, with root `steps`, the step reports) step `step` reads, as far as static analysis can tell. */
export function stepResultReads(step: Step, root: ReadRoot): ResultReads {
  return RESULT_READS.get(step.type)?.(step.config, root) ?? templateResultReads(step.config, root);
}

const stepFields = {
  id: StepIdSchema,
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  /** Steps that follow this one. A step with several predecessors waits for all of them (a join). */
  next: z.array(StepIdSchema).default([]),
  /** What to do when the step fails; overrides the strategy registered for its type. */
  onError: RecoveryStrategySchema.optional(),
};

export const AgentTaskStepSchema = z.strictObject({ ...stepFields, type: z.literal('agent-task'), config: AgentTaskConfigSchema });
export const ParallelStepSchema = z.strictObject({ ...stepFields, type: z.literal('parallel'), config: ParallelConfigSchema });
export const ConditionStepSchema = z.strictObject({ ...stepFields, type: z.literal('condition'), config: ConditionConfigSchema });
export const LoopStepSchema = z.strictObject({ ...stepFields, type: z.literal('loop'), config: LoopConfigSchema });
export const HttpStepSchema = z.strictObject({ ...stepFields, type: z.literal('http'), config: HttpConfigSchema });
export const ScriptStepSchema = z.strictObject({ ...stepFields, type: z.literal('script'), config: ScriptConfigSchema });
export const WorkflowStepSchema = z.strictObject({ ...stepFields, type: z.literal('workflow'), config: WorkflowConfigSchema });
export const WaitStepSchema = z.strictObject({ ...stepFields, type: z.literal('wait'), config: WaitConfigSchema });

export const StepSchema = z.discriminatedUnion('type', [
  AgentTaskStepSchema,
  ParallelStepSchema,
  ConditionStepSchema,
  LoopStepSchema,
  HttpStepSchema,
  ScriptStepSchema,
  WorkflowStepSchema,
  WaitStepSchema,
]);

export type Step = z.infer<typeof StepSchema>;
export type StepInput = z.input<typeof StepSchema>;
export type AgentTaskStep = z.infer<typeof AgentTaskStepSchema>;
export type ParallelStep = z.infer<typeof ParallelStepSchema>;
export type ConditionStep = z.infer<typeof ConditionStepSchema>;
export type LoopStep = z.infer<typeof LoopStepSchema>;
export type HttpStep = z.infer<typeof HttpStepSchema>;
export type ScriptStep = z.infer<typeof ScriptStepSchema>;
export type WorkflowStep = z.infer<typeof WorkflowStepSchema>;
export type WaitStep = z.infer<typeof WaitStepSchema>;
