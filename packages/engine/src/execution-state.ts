import { DEFAULT_NAMESPACE, type AgentPlan, type ExecutionError, type ExecutionStatus, type HttpResponse, type StepError } from '@agentic-flow/spec';

/**
 * Where one step instance stands. An instance is a step within one loop iteration (its frame);
 * outside loops it is the step itself.
 * - `ready`: would start, but the execution is paused.
 * - `queued`: a work step sent to a worker.
 * - `running`: a parallel or loop step whose branches or iterations are under way.
 * - `evaluating`: a condition step waiting for its expression's value from the coordinator.
 * - `recovering`: it failed and its recovery strategy is at work: its alternative runs in its place,
 *   or its compensations run (`recovery` says which).
 * - `escalated`: it failed and waits for a human (`error.resolved`).
 * - `waiting`: a `wait` step until its timer's signal, or a `workflow` step until its child settles.
 * - `delegating`: a coordinator agent whose plan run succeeded: its subtasks, then its synthesis,
 *   run as instances of their own (`subtaskKey`, `synthesisKey`); `plan` is what they do.
 */
export type NodeStatus =
  | 'ready'
  | 'queued'
  | 'running'
  | 'evaluating'
  | 'recovering'
  | 'escalated'
  | 'delegating'
  | 'waiting'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'cancelled';

/**
 * What a `recovering` node waits for. `alternative`: the step running in its place, at
 * `alternativeKey(key, step)`. `rollback`: the compensations, in the order they run (the reverse of
 * `rollbackSteps`), one after the other at `compensationKey(key, step)`.
 */
export type RecoveryProgress = { strategy: 'alternative'; step: string } | { strategy: 'rollback'; steps: string[] };

export interface NodeState {
  stepId: string;
  status: NodeStatus;
  attempt: number;
  output?: unknown;
  /** succeeded http step: its response's status and headers (`steps["id"]`); `output` is the body. */
  response?: HttpResponse;
  error?: StepError;
  /** loop: iterations completed so far. */
  iteration?: number;
  /** loop: how many iterations ended with their output recorded (each is read from its iteration's nodes when the loop ends). */
  recorded?: number;
  /** loop, in states from before `recorded`: the output of each completed iteration. */
  outputs?: unknown[];
  /** loop: the expression it waits for. */
  awaiting?: 'loop-condition' | 'loop-break';
  /** condition, loop: the expressions whose read of `undefined` was logged already (once per instance). */
  warnedUndefined?: ('condition' | 'loop-condition' | 'loop-break')[];
  /** parallel, running: how far its branches are (absent in states from before it was kept: counted again). */
  branches?: BranchCounts;
  /** parallel, running, with branches left to start: when the `launch` signal it asked for is due (one at a time). */
  launchDueAt?: number;
  /** parallel with `failFast: false`: every branch failure so far. */
  failures?: { branch: string; error: StepError }[];
  /**
   * queued: its job was withdrawn by a pause and not sent again yet. A resume sends every queued
   * step again anyway; this flag is for an execution that failed while paused, whose retry must
   * send these (nothing else would ever run them) but not the steps still really in flight.
   */
  withdrawn?: boolean;
  /**
   * skipped: the step failed and a `skip` (strategy or resolution) made it count as done without
   * output. Unlike a dead-path skip, the edges out of it are live. Its `error` is kept.
   */
  recovered?: boolean;
  /** recovering: what it waits for. */
  recovery?: RecoveryProgress;
  /** delegating: the plan its coordinator agent made (validated); subtask `i` runs `plan.subtasks[i]`. */
  plan?: AgentPlan;
  /** wait: when its timer is due (epoch ms). */
  wakeAt?: number;
  /** wait: its timer came while the execution was paused; it continues on resume. */
  elapsed?: boolean;
  /** workflow: the child execution it ran last (known once that child settled): a resume from failure resumes it. */
  child?: string;
}

/**
 * A running parallel's progress: branches `started` (with a node), of those `done`, and `next`, the
 * index in `config.steps` from which a branch may not have started yet.
 */
export interface BranchCounts {
  started: number;
  done: number;
  next: number;
}

/**
 * How an instance that serves another one is linked to it: the alternative or a compensation run for
 * a failed instance (`recovery.ts`), or a part (subtask, synthesis) of a coordinator agent.
 */
export interface HostLink {
  host: string;
  role: 'alternative' | 'compensation' | 'part';
}

/** Tokens (and dollars) an execution's agent step runs used, as their results reported them. */
export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  /** US dollars; runs whose provider has no prices configured add 0. */
  costUsd: number;
}

/**
 * The engine's whole view of one execution: JSON-serializable, persisted in
 * `workflow_executions.state`, replaced (never mutated) by each transition.
 */
export interface ExecutionState {
  v: 1;
  executionId: string;
  /**
   * The namespace the execution (and its workflow) belongs to, as `workflow_executions.namespace`;
   * absent in states persisted before namespaces existed, which are all `default`
   * ({@link namespaceOfState}). The engine never reads it: the shell looks up the workflow and
   * the recovery strategies of this namespace.
   */
  namespace?: string;
  workflowId: string;
  workflowVersion: string;
  status: ExecutionStatus;
  /** The variables given at execution time. */
  input: Record<string, unknown>;
  /** Definition defaults, then the input, then step updates outside parallel branches. */
  variables: Record<string, unknown>;
  /**
   * Variable updates made inside parallel branches, by branch instance key. A branch sees its own
   * updates at once; siblings see them after the join, merged in branch order.
   */
  overlays: Record<string, Record<string, unknown>>;
  /** Step instances by instance key. */
  nodes: Record<string, NodeState>;
  startedAt: number | null;
  finishedAt: number | null;
  error: ExecutionError | null;
  /**
   * The highest attempt an instance key has used, where that is more than its node's attempt (or it
   * has no node): skipped nodes a retry removed, nodes a restore dropped or rolled back. A step run
   * is keyed by (instance key, attempt), so the next instance of such a key takes a greater attempt
   * and opens a new step run, and a late result of an old one can never match it.
   */
  usedAttempts?: Record<string, number>;
  /**
   * What every agent result applied so far reported (failed runs, plans, subtasks and syntheses
   * included); absent until the first one. A restore keeps it: tokens spent stay spent.
   */
  usage?: UsageTotals;
  /** Tokens (input + output) the execution's agent steps may use in total; absent when unlimited. */
  tokenBudget?: number;
  /** Instances that serve another one, by instance key (set when first started, never changed). */
  hosts?: Record<string, HostLink>;
  /** How many `workflow` steps deep this execution runs: 0 (absent) for one started by a client. */
  depth?: number;
  /**
   * How many nodes `nodes` holds, kept by each transition so the `maxStepsPerExecution` check costs
   * O(1); absent in states persisted before it was kept (counted once when next loaded).
   */
  nodeCount?: number;
}

export interface CreateExecutionOptions {
  executionId: string;
  /** The execution's namespace; omitted: none recorded (read as `default`). */
  namespace?: string;
  workflowId: string;
  workflowVersion: string;
  defaults: Record<string, unknown>;
  input: Record<string, unknown>;
  /** The start option's `tokenBudget`, else the definition's; omit for no limit. */
  tokenBudget?: number;
  /** A child execution's depth (its parent's plus one); omit for a top-level one. */
  depth?: number;
}

export function createExecutionState(options: CreateExecutionOptions): ExecutionState {
  return {
    v: 1,
    executionId: options.executionId,
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    workflowId: options.workflowId,
    workflowVersion: options.workflowVersion,
    status: 'pending',
    input: options.input,
    variables: { ...options.defaults, ...options.input },
    overlays: {},
    nodes: {},
    nodeCount: 0,
    startedAt: null,
    finishedAt: null,
    error: null,
    ...(options.tokenBudget !== undefined ? { tokenBudget: options.tokenBudget } : {}),
    ...(options.depth ? { depth: options.depth } : {}),
  };
}

/** The namespace of an execution's state: `default` for states persisted before namespaces existed. */
export function namespaceOfState(state: Pick<ExecutionState, 'namespace'>): string {
  return state.namespace ?? DEFAULT_NAMESPACE;
}

export const SETTLED_NODE_STATUSES: ReadonlySet<NodeStatus> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);
/**
 * Statuses that keep an execution from completing. `recovering` and `escalated` nodes failed but are
 * not done with; `delegating` ones wait for their subtasks and synthesis.
 */
export const ACTIVE_NODE_STATUSES: ReadonlySet<NodeStatus> = new Set([
  'ready',
  'queued',
  'running',
  'evaluating',
  'recovering',
  'escalated',
  'delegating',
  'waiting',
]);

export function isSettled(node: NodeState | undefined): boolean {
  return node !== undefined && SETTLED_NODE_STATUSES.has(node.status);
}

/** Settled nodes keep their output and error, not the bookkeeping of their progress. */
export function withoutProgress(node: NodeState): NodeState {
  const {
    awaiting: _awaiting,
    withdrawn: _withdrawn,
    recovery: _recovery,
    plan: _plan,
    warnedUndefined: _warned,
    elapsed: _elapsed,
    branches: _branches,
    ...rest
  } = node;
  return rest;
}
