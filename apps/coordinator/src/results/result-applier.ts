import type { EngineEvent, ExecutionState } from '@agentic-flow/engine';
import type { StepResult } from '@agentic-flow/queue';
import { runTransition, type ExecutionUpdate, type NewLog } from '@agentic-flow/store';
import { driveEngine } from '../executions/drive-engine.js';
import { Effects } from '../executions/effects.js';
import { enqueueAfterCommit } from '../executions/enqueue-after-commit.js';
import type { TransitionDeps } from '../executions/transition-deps.js';

export type ApplyOutcome = 'applied' | 'ignored';

/**
 * Applies a batch of worker results in one transaction (ARCHITECTURE.md invariant 2): lock the
 * executions, record each run's outcome if it is still in flight (invariant 3: duplicates and late
 * results change nothing), run the engine, write the new step runs and states, commit — then
 * enqueue the steps that became ready. Two round trips to PostgreSQL whatever the batch size.
 */
export function createResultApplier(deps: TransitionDeps): (results: StepResult[]) => Promise<ApplyOutcome[]> {
  return async (results) => {
    const now = deps.now();
    const outcomes: ApplyOutcome[] = results.map(() => 'ignored');
    const effects = new Effects();
    const reads = {
      lock: [...new Set(results.map((r) => r.executionId))],
      complete: results.map((r) => ({
        id: r.stepRunId,
        executionId: r.executionId,
        attempt: r.attempt,
        status: r.outcome,
        ...(r.outcome === 'succeeded' ? { output: r.output } : { error: r.error }),
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        workerId: r.workerId,
      })),
    };

    const { stepRuns } = await runTransition(deps.pool, reads, async ({ executions: locked, completed }) => {
      const executions = new Map(locked.map((e) => [e.id, { ...e, state: e.state as ExecutionState, changed: false }]));
      const applied = new Map(completed.map((key) => [key.id, key]));
      const logs: NewLog[] = [];
      for (const [index, result] of results.entries()) {
        const run = applied.get(result.stepRunId);
        const execution = executions.get(result.executionId);
        // A run completed under another execution's id is a forged or broken result: not applied.
        if (!run || !execution || run.executionId !== execution.id) continue;
        const workflow = await deps.registry.compiled(execution.workflowId, execution.workflowVersion);
        const event: EngineEvent =
          result.outcome === 'succeeded'
            ? { type: 'step.succeeded', key: run.instanceKey, attempt: run.attempt, output: result.output, ...(result.variableUpdates ? { variableUpdates: result.variableUpdates } : {}), at: now }
            : { type: 'step.failed', key: run.instanceKey, attempt: run.attempt, error: result.error, at: now };
        const decision = await driveEngine(workflow, execution.state, event, deps.evaluate);
        outcomes[index] = 'applied';
        if (decision.ignored) deps.logger.warn({ executionId: execution.id, stepRunId: result.stepRunId, reason: decision.ignored }, 'result recorded but not applied');
        else {
          execution.state = decision.state;
          execution.changed = true;
          effects.add(execution, workflow, decision.commands);
        }
        for (const log of result.logs) {
          logs.push({ executionId: execution.id, stepRunId: result.stepRunId, stepId: execution.state.nodes[run.instanceKey]?.stepId ?? null, level: log.level, message: log.message, at: new Date(log.at) });
        }
      }
      const updates: ExecutionUpdate[] = [];
      for (const { id, state, changed } of executions.values()) {
        if (!changed) continue;
        updates.push({
          id,
          status: state.status,
          state,
          error: state.error,
          startedAt: state.startedAt === null ? null : new Date(state.startedAt),
          finishedAt: state.finishedAt === null ? null : new Date(state.finishedAt),
          updatedAt: new Date(now),
        });
      }
      return { writes: { stepRuns: effects.stepRunWrites(), executions: updates, logs }, value: undefined };
    });
    const { jobs, withdrawals } = effects.afterCommit(stepRuns);
    await enqueueAfterCommit(deps.queues, deps.logger, jobs, withdrawals);
    for (const settled of effects.settled) deps.logger.debug(settled, 'execution settled');
    return outcomes;
  };
}
