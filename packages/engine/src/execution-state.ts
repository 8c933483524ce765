import type { ExecutionError, ExecutionStatus, StepError } from '@agentic-flow/spec';

/**
 * Where one step instance stands. `ready` means "would start, but the execution is paused".
 * An instance is a step within one loop iteration; outside loops it is the step itself.
 */
export type NodeStatus = 'ready' | 'queued' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export interface NodeState {
  stepId: string;
  status: NodeStatus;
  attempt: number;
  output?: unknown;
  error?: StepError;
}

/**
 * The engine's whole view of one execution: JSON-serializable, persisted in
 * `workflow_executions.state`, replaced (never mutated) by each transition.
 */
export interface ExecutionState {
  v: 1;
  executionId: string;
  workflowId: string;
  workflowVersion: string;
  status: ExecutionStatus;
  /** The variables given at execution time. */
  input: Record<string, unknown>;
  /** Definition defaults, then the input, then step updates. */
  variables: Record<string, unknown>;
  /** Step instances by instance key. */
  nodes: Record<string, NodeState>;
  startedAt: number | null;
  finishedAt: number | null;
  error: ExecutionError | null;
}

export interface CreateExecutionOptions {
  executionId: string;
  workflowId: string;
  workflowVersion: string;
  defaults: Record<string, unknown>;
  input: Record<string, unknown>;
}

export function createExecutionState(options: CreateExecutionOptions): ExecutionState {
  return {
    v: 1,
    executionId: options.executionId,
    workflowId: options.workflowId,
    workflowVersion: options.workflowVersion,
    status: 'pending',
    input: options.input,
    variables: { ...options.defaults, ...options.input },
    nodes: {},
    startedAt: null,
    finishedAt: null,
    error: null,
  };
}

export const SETTLED_NODE_STATUSES: ReadonlySet<NodeStatus> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

export function isSettled(node: NodeState | undefined): boolean {
  return node !== undefined && SETTLED_NODE_STATUSES.has(node.status);
}
