import type { EngineEvent, ExecutionState } from '@agentic-flow/engine';
import type { StepResult } from '@agentic-flow/queue';
import { runOptimisticTransition, runTransition, type NewLog, type StepRunCompletion, type StepRunWrite } from '@agentic-flow/store';
import { driveEngine } from '../executions/drive-engine.js';
import { Effects } from '../executions/effects.js';
import { enqueueAfterCommit } from '../executions/enqueue-after-commit.js';
import { executionUpdate, rememberWritten, type TransitionTarget } from '../executions/execution-update.js';
import type { TransitionDeps } from '../executions/transition-deps.js';

export type ApplyOutcome = 'applied' | 'ignored';

type Target = TransitionTarget;

/**
 * Applies a batch of worker results as one transaction (ARCHITECTURE.md invariant 2), recording each
 * run's outcome only if it is still in flight (invariant 3), then enqueues what became ready.
 *
 * Fast path, one round trip: when this coordinator holds every execution's state (it made their
 * last transition), the engine runs on those states and one statement writes everything over the
 * versions it read — or, if any execution moved on or any result was a duplicate, writes nothing.
 * Locking path, two round trips: lock the rows, record the results, run the engine on the stored
 * states, write, commit. The fast path falling back costs one wasted statement, never a wrong write.
 */
export function createResultApplier(deps: TransitionDeps): (results: StepResult[]) => Promise<ApplyOutcome[]> {
  const { cache } = deps;
  return async (results) => {
    const now = deps.now();
    const ids = [...new Set(results.map((r) => r.executionId))];
    const completions = results.map((r) => completion(r));

    const cached = ids.map((id) => ({ id, entry: cache.get(id) }));
    if (cached.every((c) => c.entry !== undefined)) {
      const targets = new Map(cached.map(({ id, entry }) => [id, { id, state: entry!.state, version: entry!.version, changed: false }]));
      const applied = await applyInMemory(deps, results, targets, (r) => ({ executionId: r.executionId, instanceKey: r.instanceKey, attempt: r.attempt }), now);
      const folded = foldRunWrites(completions, applied.effects.stepRunWrites());
      const outcome = await runOptimisticTransition(deps.pool, {
        completions: folded.completions,
        // Every execution of the batch is written, changed or not, so each one's version is checked.
        executions: [...targets.values()].map((t) => executionUpdate(t, now)),
        stepRuns: folded.writes,
        logs: applied.logs,
        errors: applied.effects.errors,
      });
      if (outcome) {
        rememberWritten(deps.cache, targets.values(), outcome.versions);
        await finish(deps, applied, outcome.stepRuns);
        return applied.outcomes;
      }
      ids.forEach((id) => cache.delete(id));
    }

    let applied!: Awaited<ReturnType<typeof applyInMemory>>;
    let targets!: Map<string, Target>;
    const { stepRuns, versions } = await runTransition(deps.pool, { lock: ids, complete: completions }, async ({ executions, completed }) => {
      targets = new Map(executions.map((e) => [e.id, { id: e.id, state: e.state as ExecutionState, version: e.version, changed: false }]));
      const runs = new Map(completed.map((key) => [key.id, key]));
      applied = await applyInMemory(deps, results, targets, (r) => runs.get(r.stepRunId), now);
      const updates = [...targets.values()].filter((t) => t.changed).map((t) => executionUpdate(t, now));
      return { writes: { stepRuns: applied.effects.stepRunWrites(), executions: updates, logs: applied.logs, errors: applied.effects.errors }, value: undefined };
    });
    rememberWritten(deps.cache, targets.values(), versions);
    await finish(deps, applied, stepRuns);
    return applied.outcomes;
  };
}

function completion(r: StepResult): StepRunCompletion {
  return {
    id: r.stepRunId,
    executionId: r.executionId,
    instanceKey: r.instanceKey,
    attempt: r.attempt,
    status: r.outcome,
    ...(r.outcome === 'succeeded' ? { output: r.output } : { error: r.error }),
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    workerId: r.workerId,
    ...(r.agent ? { agent: { provider: r.agent.provider, model: r.agent.model, usage: r.agent.usage }, transcript: r.agent.transcript } : {}),
  };
}

/**
 * One statement cannot both complete a run and upsert it (PostgreSQL refuses to touch a row twice),
 * so an engine write about a run completed in the same batch (a failure recovered by `skip` is
 * recorded `skipped`) is folded into its completion.
 */
function foldRunWrites(completions: StepRunCompletion[], writes: StepRunWrite[]): { completions: StepRunCompletion[]; writes: StepRunWrite[] } {
  const key = (r: { executionId: string; instanceKey?: string; attempt: number }) => `${r.executionId}\u0000${r.instanceKey}\u0000${r.attempt}`;
  const byKey = new Map(completions.map((c, index) => [key(c), index]));
  const folded = [...completions];
  const rest: StepRunWrite[] = [];
  for (const write of writes) {
    const index = byKey.get(key(write));
    if (index === undefined || (write.status !== 'succeeded' && write.status !== 'failed' && write.status !== 'skipped')) {
      rest.push(write);
      continue;
    }
    const completion = folded[index]!;
    folded[index] = { ...completion, status: write.status, ...(write.output !== undefined ? { output: write.output } : {}), ...(write.error ? { error: write.error } : {}) };
  }
  return { completions: folded, writes: rest };
}

/** Runs the engine for each result on the targets' states, in memory; collects what to write. */
async function applyInMemory(
  deps: TransitionDeps,
  results: StepResult[],
  targets: Map<string, Target>,
  runOf: (result: StepResult) => { executionId: string; instanceKey: string; attempt: number } | undefined,
  now: number,
): Promise<{ effects: Effects; logs: NewLog[]; outcomes: ApplyOutcome[]; ignored: Record<string, string>[] }> {
  const effects = new Effects();
  const ignored: Record<string, string>[] = [];
  const logs: NewLog[] = [];
  const outcomes: ApplyOutcome[] = results.map(() => 'ignored');
  for (const [index, result] of results.entries()) {
    const run = runOf(result);
    const target = targets.get(result.executionId);
    // A run completed under another execution's id is a forged or broken result: not applied.
    if (!run || !target || run.executionId !== target.id) continue;
    const { state } = target;
    const workflow = await deps.registry.compiled(state.workflowId, state.workflowVersion);
    const usage = result.agent ? { usage: result.agent.usage } : {};
    const event: EngineEvent =
      result.outcome === 'succeeded'
        ? { type: 'step.succeeded', key: run.instanceKey, attempt: run.attempt, output: result.output, ...(result.variableUpdates ? { variableUpdates: result.variableUpdates } : {}), ...usage, at: now }
        : { type: 'step.failed', key: run.instanceKey, attempt: run.attempt, error: result.error, ...usage, at: now };
    const decision = await driveEngine(workflow, state, event, deps.evaluate, { strategies: deps.strategies.strategies });
    outcomes[index] = 'applied';
    if (decision.ignored) ignored.push({ executionId: target.id, stepRunId: result.stepRunId, reason: decision.ignored });
    else {
      target.state = decision.state;
      target.changed = true;
      effects.add({ id: target.id, workflowId: state.workflowId, workflowVersion: state.workflowVersion }, workflow, decision.commands);
    }
    for (const log of result.logs) {
      logs.push({ executionId: target.id, stepRunId: result.stepRunId, stepId: target.state.nodes[run.instanceKey]?.stepId ?? null, level: log.level, message: log.message, at: new Date(log.at) });
    }
  }
  return { effects, logs, outcomes, ignored };
}

/** After commit: enqueue, and report what was recorded but not applied (only now is it final). */
async function finish(deps: TransitionDeps, applied: Awaited<ReturnType<typeof applyInMemory>>, keys: Parameters<Effects['afterCommit']>[0]): Promise<void> {
  const { effects } = applied;
  for (const entry of applied.ignored) deps.logger.warn(entry, 'result recorded but not applied');
  await enqueueAfterCommit(deps, effects.afterCommit(keys));
  for (const settled of effects.settled) deps.logger.debug(settled, 'execution settled');
  if (effects.settled.length > 0) deps.onSettled();
}
