import type { ExecutionState, SignalChildCommand, StartChildCommand, StepSignal } from '@agentic-flow/engine';
import type { StepError, StepErrorCode } from '@agentic-flow/spec';
import { childOfRun, latestChild, orphanedChildren, setParentAttempt, waitingWorkflowRuns, type ChildLink } from '@agentic-flow/store';
import { DomainError } from '../errors/domain-error.js';
import { childExecutionId } from './child-id.js';
import { childSettled } from './child-settled.js';
import { childStartVerdict } from './descendant-cap.js';
import type { CoordinatorServices } from './coordinator-services.js';
import type { ChildAction } from './child-action.js';
import { startExecution } from './execution-starter.js';
import { changeExecution, type LifecycleChange } from './lifecycle.js';

interface ParentRef {
  id: string;
  namespace: string;
}

/** What a `start-child` asked for, as its step run's `input` keeps it (see `Effects`). */
interface ChildRequest {
  workflowId: string;
  version?: string;
  variables: Record<string, unknown>;
  depth: number;
}

const SETTLED = new Set(['completed', 'failed', 'cancelled']);

export interface ChildExecutionsOptions {
  /** `MAX_DESCENDANT_EXECUTIONS`: live descendants one top-level execution may have; a start past it fails its step. */
  maxDescendantExecutions: number;
}

/**
 * Carries out `workflow` steps: starts child executions, carries pause, resume and cancel to them,
 * and tells a parent when its child settled. Each is a transaction of its own, after the transaction
 * that asked for it committed, locking one execution at a time: the parent's transition never holds
 * the child's row, nor the child's the parent's, so the two can never deadlock whichever moves first.
 * Durability comes from PostgreSQL, not from this process: the parent's step run is recorded
 * running with the child's request, the child's id is derived from that run (a second start inserts
 * nothing), and the leader's `reconcile` makes parent and child agree again after any crash in
 * between (docs/architecture.md, Child executions).
 */
export class ChildExecutions {
  constructor(
    private readonly deps: CoordinatorServices,
    private readonly options: ChildExecutionsOptions,
  ) {}

  /**
   * Not awaited by the caller: a failure is logged, and the reconciler repeats what was lost. One
   * transaction's actions run in their order (a restore cancels the old child, then starts the new).
   */
  apply(actions: readonly ChildAction[]): void {
    void (async () => {
      for (const { parent, command } of actions) {
        try {
          if (command.type === 'start-child') await this.start(parent, command.key, command.attempt, command);
          else await this.signal(parent, command);
        } catch (error) {
          this.deps.logger.warn(
            { err: error, executionId: parent.id, key: command.key, action: command.type },
            'child execution action failed; the reconciler repeats it',
          );
        }
      }
    })();
  }

  private async start(parent: ParentRef, key: string, attempt: number, request: ChildRequest | StartChildCommand): Promise<void> {
    const executionId = childExecutionId(parent.id, key, attempt);
    // Checked on every start, the reconciler's too: a refused step has failed, so the reconciler no longer sees it waiting.
    const run = { instanceKey: key, attempt };
    const verdict = await childStartVerdict(this.deps.db, parent.id, run, executionId, request.workflowId, this.options.maxDescendantExecutions);
    if (verdict.kind === 'skip') {
      this.deps.logger.debug({ executionId: parent.id, key, attempt, reason: verdict.reason }, 'child execution not started');
      return;
    }
    if (verdict.kind === 'refuse') {
      this.deps.logger.warn({ executionId: parent.id, key, ...verdict.error.details }, 'child execution refused: too many live descendants');
      return this.refuse(parent, key, attempt, verdict.error);
    }
    try {
      await startExecution(this.deps, parent.namespace, request.workflowId, {
        variables: request.variables,
        ...(request.version !== undefined ? { version: request.version } : {}),
        executionId,
        parent: { executionId: parent.id, instanceKey: key, attempt },
        depth: request.depth,
      });
    } catch (error) {
      if (isUniqueViolation(error)) return; // started already: by the reconciler, or before a crash
      if (!(error instanceof DomainError)) throw error;
      // The child cannot start (its workflow was deleted, or it needs variables nobody gave): the step fails saying why.
      const code: StepErrorCode = error.code === 'WORKFLOW_NOT_FOUND' ? 'WORKFLOW_NOT_FOUND' : 'INVALID_CONFIG';
      await this.refuse(parent, key, attempt, { code, message: error.message });
    }
  }

  /** Fails the waiting step run `key`/`attempt` with `CHILD_FAILED` around `error`: its child was not started. */
  private async refuse(parent: ParentRef, key: string, attempt: number, error: StepError): Promise<void> {
    // No child id: nothing started, so a resume from this failure starts a child rather than resuming one.
    const signal: StepSignal = { type: 'child-settled', childExecutionId: '', status: 'failed', error };
    await this.change(parent.namespace, parent.id, { type: 'signal', key, attempt, signal });
  }

  private async signal(parent: ParentRef, command: SignalChildCommand): Promise<void> {
    // The child answering to the run the command is for: never a newer run's child (a restore cancels one and starts another).
    const childId = command.childExecutionId ?? (await childOfRun(this.deps.db, parent.id, command.key, command.attempt))?.id;
    // No child yet: its start is still on its way (or lost); the reconciler brings it in line with the parent.
    if (childId === undefined) return;
    // Before the resume: its settlement must go to the run that waits for it now.
    if (command.action === 'resume') await setParentAttempt(this.deps.db, childId, command.attempt);
    await this.change(parent.namespace, childId, { type: command.action });
  }

  /**
   * Tells the parent's step run `attempt` again that child `link` settled: the child's settling
   * transaction wrote that signal already (`childSettled`), and the poller keeps a row whose delivery
   * fails (postponed, never deleted), so this is a safety net for a row gone by other means; a
   * repeated settlement is ignored by the engine once the node stopped waiting.
   */
  private async deliver(link: ChildLink, attempt: number): Promise<void> {
    const { signal } = childSettled(link.id, link.state as ExecutionState);
    await this.change(link.parentNamespace, link.parentExecutionId, { type: 'signal', key: link.parentInstanceKey, attempt, signal: signal as StepSignal });
  }

  /** A lifecycle change; one the execution's state makes moot (it moved on meanwhile) is not an error here. */
  private async change(namespace: string, executionId: string, change: LifecycleChange): Promise<void> {
    try {
      await changeExecution(this.deps, namespace, executionId, change);
    } catch (error) {
      if (error instanceof DomainError && (error.code === 'INVALID_STATE' || error.code === 'EXECUTION_NOT_FOUND')) {
        this.deps.logger.debug({ executionId, change: change.type, reason: error.message }, 'child action moot');
        return;
      }
      throw error;
    }
  }

  /**
   * The leader's pass: makes every `workflow` step run waiting for longer than `graceMs` agree with
   * its child, repeating what a coordinator that died after a commit did not do — start the child,
   * resume it (a resume from failure), pause or resume it with its parent, tell the parent it
   * settled — and cancels children of cancelled parents. Each action is idempotent, so repeating
   * one that was not lost costs nothing but a transaction the engine ignores.
   */
  async reconcile(graceMs: number, limit = 500): Promise<number> {
    let acted = 0;
    for (const run of await waitingWorkflowRuns(this.deps.db, graceMs, limit)) {
      const parent = { id: run.executionId, namespace: run.namespace };
      const child = await latestChild(this.deps.db, run.executionId, run.instanceKey);
      const request = run.input as ChildRequest | null;
      if (child === undefined || (child.parentAttempt < run.attempt && child.status === 'cancelled')) {
        if (request === null || run.executionStatus !== 'running') continue;
        await this.start(parent, run.instanceKey, run.attempt, request);
      } else if (SETTLED.has(child.status)) {
        // Settled before this run started: a failed child left from the attempt a resume from failure replaced.
        const stale = child.finishedAt !== null && run.startedAt !== null && child.finishedAt < run.startedAt;
        if (stale && child.status === 'failed') {
          await setParentAttempt(this.deps.db, child.id, run.attempt);
          await this.change(child.namespace, child.id, { type: 'resume' });
        } else if (!stale) {
          await this.deliver(child, run.attempt);
        } else continue;
      } else {
        if (child.parentAttempt < run.attempt) await setParentAttempt(this.deps.db, child.id, run.attempt);
        if (run.executionStatus === 'paused' && child.status === 'running') await this.change(child.namespace, child.id, { type: 'pause' });
        else if (run.executionStatus === 'running' && child.status === 'paused') await this.change(child.namespace, child.id, { type: 'resume' });
        else continue;
      }
      acted++;
    }
    for (const orphan of await orphanedChildren(this.deps.db, limit)) {
      await this.change(orphan.namespace, orphan.id, { type: 'cancel' });
      acted++;
    }
    return acted;
  }
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error || (typeof e === 'object' && e !== null); e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
    if (!('cause' in (e as object))) break;
  }
  return false;
}
