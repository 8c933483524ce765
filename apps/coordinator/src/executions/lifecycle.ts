import type { EngineCommand, EngineEvent, ErrorResolution, ExecutionState, StepSignal } from '@agentic-flow/engine';
import type { ExecutionStatus } from '@agentic-flow/spec';
import { findSnapshot, lockExecutionsSql, runTransition } from '@agentic-flow/store';
import type { PendingAudit } from '../auth/pending-audit.js';
import { DomainError } from '../errors/domain-error.js';
import type { DeferredEvaluation } from '../expressions/background-evaluations.js';
import { driveEngine, driveOptions } from './drive-engine.js';
import { Effects } from './effects.js';
import { enqueueAfterCommit } from './enqueue-after-commit.js';
import { jobsForExistingRuns } from './existing-run-jobs.js';
import { nodesAsRead, executionUpdate, noteChangedNodes, rememberWritten, type TransitionTarget } from './execution-update.js';
import { findRuns } from './run-lookup.js';
import type { CoordinatorServices } from './coordinator-services.js';

export type LifecycleChange =
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'cancel' }
  | { type: 'restore'; snapshotId: string }
  /** An operator's decision on an escalated step (`resolveError`). */
  | { type: 'resolve-error'; errorId: string; key: string; attempt: number; resolution: ErrorResolution }
  /** Something a step run asked for came back: its child execution settled (`ChildExecutions`). */
  | { type: 'signal'; key: string; attempt: number; signal: StepSignal };

const VERBS: Record<LifecycleChange['type'], string> = {
  pause: 'pause',
  resume: 'resume',
  cancel: 'cancel',
  restore: 'restore',
  'resolve-error': 'resolve an error of',
  signal: 'signal a step of',
};

/** The engine event a change is, given the snapshot a restore goes back to. */
function eventOf(change: LifecycleChange, snapshot: ExecutionState | undefined, at: number): EngineEvent {
  switch (change.type) {
    case 'restore':
      return { type: 'restore', snapshot: snapshot!, at };
    case 'resolve-error':
      return { type: 'error.resolved', key: change.key, attempt: change.attempt, resolution: change.resolution, at };
    case 'signal':
      return { type: 'step.signal', key: change.key, attempt: change.attempt, signal: change.signal, at };
    default:
      return { type: change.type, at };
  }
}

/**
 * Pauses, resumes (a paused or a failed execution), cancels, or restores an execution of
 * `namespace` to one of its snapshots: one locked transaction, then the jobs to enqueue and to
 * withdraw; `audit`, the record of the call that asked, commits with it. An execution of another namespace is not found (the lock reads only this one's). An
 * operation the current status does not allow is `INVALID_STATE`, naming the status; nothing is written.
 */
export async function changeExecution(
  deps: CoordinatorServices,
  namespace: string,
  executionId: string,
  change: LifecycleChange,
  audit?: PendingAudit,
): Promise<{ executionId: string; status: ExecutionStatus }> {
  const snapshot = change.type === 'restore' ? await findSnapshot(deps.db, executionId, change.snapshotId) : undefined;
  if (change.type === 'restore' && !snapshot) {
    throw new DomainError('SNAPSHOT_NOT_FOUND', `execution ${executionId} has no snapshot ${change.snapshotId}`);
  }
  const now = deps.now();
  const effects = new Effects();
  const requeued: { key: string; attempt: number }[] = [];
  const withdrawn: { key: string; attempt: number }[] = [];
  let target!: TransitionTarget;
  let deferred: DeferredEvaluation[] = [];
  let workflowRef!: Awaited<ReturnType<CoordinatorServices['registry']['compiled']>>;

  const lockSql = lockExecutionsSql([executionId], namespace);
  const { stepRuns, versions } = await runTransition(deps.pool, { lock: [executionId], lockSql, complete: [] }, async ({ executions }) => {
    const row = executions[0];
    if (!row) throw new DomainError('EXECUTION_NOT_FOUND', `execution ${executionId} does not exist`);
    const before = row.state as ExecutionState;
    workflowRef = await deps.registry.compiled(namespace, row.workflowId, row.workflowVersion);
    const event = eventOf(change, snapshot?.state as ExecutionState | undefined, now);
    // The nodes as stored, kept apart: the engine changes `before` in place.
    const stored = { ...before.nodes };
    const decision = await driveEngine(
      workflowRef,
      before,
      event,
      deps.expressions,
      driveOptions(deps, executionId, { namespace, workflowId: row.workflowId }),
    );
    if (decision.ignored) throw new DomainError('INVALID_STATE', `cannot ${VERBS[change.type]} execution ${executionId}: it is ${before.status}`);
    deferred = decision.deferred;
    const rest: EngineCommand[] = [];
    for (const command of decision.commands) {
      const prior = 'key' in command ? stored[command.key] : undefined;
      // A run still queued in the stored state already has its row: only its job needs enqueuing again.
      if (command.type === 'run-step' && prior?.status === 'queued' && prior.attempt === command.attempt)
        requeued.push({ key: command.key, attempt: command.attempt });
      else if (command.type === 'withdraw-step') withdrawn.push({ key: command.key, attempt: command.attempt });
      else rest.push(command);
    }
    const ref = { id: executionId, namespace, workflowId: row.workflowId, workflowVersion: row.workflowVersion };
    effects.add(ref, workflowRef, rest);
    effects.status(ref, before.status, decision.state);
    target = { id: executionId, state: decision.state, version: row.version, changed: true, ...nodesAsRead(row) };
    noteChangedNodes(target, decision.changedNodes);
    return {
      writes: {
        // Before a restore, the state it replaces is kept as a snapshot of its own, so a restore can be undone.
        ...(change.type === 'restore' ? { snapshotsBefore: [{ executionId, kind: 'restore' as const }] } : {}),
        ...effects.writes(),
        executions: [executionUpdate(target, now)],
        ...(change.type === 'resolve-error' ? { resolvedErrors: [{ id: change.errorId, resolution: change.resolution }] } : {}),
        // An escalation of a cancelled execution waits for nobody: its error closes with it.
        ...(change.type === 'cancel' ? { closeOpenErrorsOf: [executionId] } : {}),
        ...(audit ? { audit: [audit.take()] } : {}),
      },
      value: undefined,
    };
  });

  audit?.confirm();
  deps.eventsWritten?.();
  rememberWritten(deps.cache, [target], versions);
  deps.background.continue(executionId, deferred);
  const { jobs, cancelled, children, signalsDueAt } = effects.afterCommit(stepRuns);
  const [again, away] = await Promise.all([findRuns(deps.db, executionId, requeued), findRuns(deps.db, executionId, withdrawn)]);
  await enqueueAfterCommit(deps, {
    jobs: [
      ...jobs,
      ...jobsForExistingRuns(workflowRef, target.state, again, now, { strategies: deps.strategies.strategiesFor(namespace, target.state.workflowId) }),
    ],
    // Cancel (and restore, and whatever a resolution cancels) stops running work; a pause only withdraws waiting jobs.
    cancelled,
    withdrawn: away.map((run) => ({ stepType: run.stepType, stepRunId: run.id })),
    children,
    ...(signalsDueAt === undefined ? {} : { signalsDueAt }),
  });
  if (effects.settled.length > 0) deps.onSettled(effects.settled);
  return { executionId, status: target.state.status };
}
