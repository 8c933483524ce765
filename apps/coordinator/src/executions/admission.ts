import type { ExecutionState } from '@agentic-flow/engine';
import { ADMISSION_LOCK_KEY, admissibleExecutionsSql, runTransition } from '@agentic-flow/store';
import type { DeferredEvaluation } from '../expressions/background-evaluations.js';
import { driveEngine, driveOptions } from './drive-engine.js';
import { Effects } from './effects.js';
import { enqueueAfterCommit } from './enqueue-after-commit.js';
import { nodesAsRead, executionUpdate, noteChangedNodes, rememberWritten, type TransitionTarget } from './execution-update.js';
import type { CoordinatorServices } from './coordinator-services.js';

/**
 * `maxConcurrentWorkflows`: starts pending executions, oldest first, while fewer than the limit are
 * running or paused. Serialized across coordinators by a transaction-level advisory lock, so two of
 * them never hand out the same free slot. Returns the ids started.
 */
export async function admitPending(deps: CoordinatorServices, maxActive: number): Promise<string[]> {
  if (maxActive <= 0) return [];
  const now = deps.now();
  const effects = new Effects();
  const targets: TransitionTarget[] = [];
  const deferred = new Map<string, DeferredEvaluation[]>();
  const { stepRuns, versions } = await runTransition(
    deps.pool,
    { lock: [], complete: [], preamble: [`select pg_advisory_xact_lock(${ADMISSION_LOCK_KEY})`], lockSql: admissibleExecutionsSql(maxActive) },
    async ({ executions }) => {
      const deadline = performance.now() + deps.inlineBudgetMs;
      for (const row of executions) {
        // The row's namespace: states written before namespaces existed do not name theirs.
        const workflow = await deps.registry.compiled(row.namespace, row.workflowId, row.workflowVersion);
        const state = row.state as ExecutionState;
        const decision = await driveEngine(
          workflow,
          state,
          { type: 'start', at: now },
          deps.expressions,
          driveOptions(deps, row.id, { namespace: row.namespace, workflowId: row.workflowId }, deadline),
        );
        if (decision.ignored) continue;
        deferred.set(row.id, decision.deferred);
        const ref = { id: row.id, namespace: row.namespace, workflowId: row.workflowId, workflowVersion: row.workflowVersion };
        effects.add(ref, workflow, decision.commands);
        effects.status(ref, row.status, decision.state);
        const target: TransitionTarget = { id: row.id, state: decision.state, version: row.version, changed: true, ...nodesAsRead(row) };
        noteChangedNodes(target, decision.changedNodes);
        targets.push(target);
      }
      return {
        writes: { ...effects.writes(), executions: targets.map((t) => executionUpdate(t, now)) },
        value: undefined,
      };
    },
  );
  rememberWritten(deps.cache, targets, versions);
  if (targets.length > 0) deps.eventsWritten?.();
  for (const [executionId, evaluations] of deferred) deps.background.continue(executionId, evaluations);
  await enqueueAfterCommit(deps, effects.afterCommit(stepRuns));
  // Executions that ended at once (no work steps) free their slots again.
  if (effects.settled.length > 0) deps.onSettled(effects.settled);
  return targets.map((t) => t.id);
}
