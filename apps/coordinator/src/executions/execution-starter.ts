import { randomUUID } from 'node:crypto';
import { createExecutionState } from '@agentic-flow/engine';
import type { ExecuteWorkflowResult } from '@agentic-flow/spec';
import { runWrites, storesNodesInline } from '@agentic-flow/store';
import { recordExecutionRoot, tracingActive } from '@agentic-flow/telemetry';
import type { PendingAudit } from '../auth/pending-audit.js';
import { driveEngine, driveOptions, type Drive } from './drive-engine.js';
import { Effects } from './effects.js';
import { enqueueAfterCommit } from './enqueue-after-commit.js';
import { assertRequiredVariables } from './required-variables.js';
import type { CoordinatorServices } from './coordinator-services.js';

/**
 * Creates an execution of a workflow of `namespace` (which it then belongs to) and its first step
 * runs in one transaction (with `audit`, the record of the call that asked), then enqueues the steps. Throws `WORKFLOW_NOT_FOUND` for a workflow or version
 * the namespace does not have, and `MissingVariablesError` — before writing anything — when
 * `variables` lacks one the workflow's templates need.
 */
export async function startExecution(
  deps: CoordinatorServices,
  namespace: string,
  workflowId: string,
  options: {
    variables: Record<string, unknown>;
    version?: string;
    tokenBudget?: number;
    audit?: PendingAudit | undefined;
    /** The request's `Idempotency-Key`, claimed in the execution's transaction: taken already, the start aborts whole (`IDEMPOTENCY_KEY_TAKEN` from the store). */
    idempotency?: { key: string; requestHash: string; ttlMs: number };
    /** A child execution's id (derived from its parent's step run, so a second start of it inserts nothing: `childExecutionId`). */
    executionId?: string;
    /** A child execution's parent: its step run `instanceKey`/`attempt` is signalled when the child settles. */
    parent?: { executionId: string; instanceKey: string; attempt: number };
    /** A child execution's depth (its parent's plus one). */
    depth?: number;
  },
): Promise<ExecuteWorkflowResult> {
  const workflow = await deps.registry.compiled(namespace, workflowId, options.version);
  assertRequiredVariables(workflow, options.variables);
  const now = deps.now();
  const executionId = options.executionId ?? randomUUID();
  const initial = createExecutionState({
    executionId,
    namespace,
    workflowId: workflow.definition.id,
    workflowVersion: workflow.definition.version,
    defaults: workflow.definition.variables,
    input: options.variables,
    ...((options.tokenBudget ?? workflow.definition.tokenBudget) !== undefined ? { tokenBudget: options.tokenBudget ?? workflow.definition.tokenBudget } : {}),
    ...(options.depth ? { depth: options.depth } : {}),
  });
  // With a concurrency limit, the execution is stored pending and admission starts it in turn. Not a
  // child: its parent holds a slot while it waits for it, so parents waiting for children queued
  // behind them could fill every slot and wait forever.
  const limited = deps.maxConcurrentWorkflows > 0 && options.parent === undefined;
  const drive: Drive = limited
    ? { state: initial, commands: [], deferred: [], revert: () => undefined, changedNodes: 'all' }
    : await driveEngine(workflow, initial, { type: 'start', at: now }, deps.expressions, driveOptions(deps, executionId, initial));
  const { state, commands } = drive;
  const effects = new Effects();
  const ref = { id: executionId, namespace, workflowId: state.workflowId, workflowVersion: state.workflowVersion };
  effects.add(ref, workflow, commands);
  effects.status(ref, null, state);

  // The execution and its first step runs in one round trip, one transaction.
  const keys = await runWrites(deps.pool, {
    newExecutions: [
      {
        id: executionId,
        namespace,
        workflowId: state.workflowId,
        workflowVersion: state.workflowVersion,
        status: state.status,
        state,
        variables: options.variables,
        error: state.error,
        createdAt: new Date(now),
        startedAt: state.startedAt === null ? null : new Date(state.startedAt),
        finishedAt: state.finishedAt === null ? null : new Date(state.finishedAt),
        snapshotIntervalMs: deps.snapshotIntervalMs,
        ...(options.parent
          ? { parentExecutionId: options.parent.executionId, parentInstanceKey: options.parent.instanceKey, parentAttempt: options.parent.attempt }
          : {}),
        ...(options.depth ? { depth: options.depth } : {}),
      },
    ],
    ...(options.idempotency
      ? {
          idempotencyKeys: [
            {
              namespace,
              key: options.idempotency.key,
              requestHash: options.idempotency.requestHash,
              executionId,
              createdAt: new Date(now),
              expiresAt: new Date(now + options.idempotency.ttlMs),
            },
          ],
        }
      : {}),
    ...effects.writes(),
    executions: [],
    ...(options.audit ? { audit: [options.audit.take(201)] } : {}),
  });
  options.audit?.confirm();
  deps.eventsWritten?.();
  deps.metrics?.executionsStarted.inc({ workflow: state.workflowId });
  // The trace's root, before its first jobs carry it to workers (ids derived from the execution id).
  if (tracingActive())
    recordExecutionRoot(executionId, `execution ${state.workflowId}`, {
      'execution.id': executionId,
      'workflow.id': state.workflowId,
      'workflow.version': state.workflowVersion,
      namespace,
    });
  deps.cache.set(executionId, { state, version: 0, nodesInline: storesNodesInline(state) });
  deps.background.continue(executionId, drive.deferred);
  const work = effects.afterCommit(keys);
  await enqueueAfterCommit(deps, work);
  if (effects.settled.length > 0) deps.onSettled(effects.settled);
  deps.logger.debug(
    { executionId, namespace, workflowId: state.workflowId, steps: work.jobs.length },
    limited ? 'execution queued for admission' : 'execution started',
  );
  if (limited) return { executionId, status: (await deps.admitNow()).includes(executionId) ? 'running' : 'pending' };
  return { executionId, status: state.status };
}
