import { namespaceOfState, stepOf, type BranchStartBudget, type CompiledWorkflow, type EngineEvent, type ExecutionState } from '@agentic-flow/engine';
import type { ExpressionAnswer, StepResult } from '@agentic-flow/queue';
import { stepError } from '@agentic-flow/spec';
import { runOptimisticTransition, runTransition, type NewLog, type StepRunCompletion, type StepRunWrite } from '@agentic-flow/store';
import { branchStartBudget, driveEngine, driveOptions } from '../executions/drive-engine.js';
import { Effects } from '../executions/effects.js';
import { enqueueAfterCommit } from '../executions/enqueue-after-commit.js';
import { nodesAsRead, executionUpdate, noteChangedNodes, rememberWritten, type TransitionTarget } from '../executions/execution-update.js';
import type { CoordinatorServices } from '../executions/coordinator-services.js';
import type { CachedExecution } from '../executions/state-cache.js';
import type { DeferredEvaluation } from '../expressions/background-evaluations.js';
import type { StepDone } from '../events/event-collector.js';

export type ApplyOutcome = 'applied' | 'ignored';

/** What `step-results` carries: a worker's step result, or a coordinator's answer to an expression. */
export type ResultEntry = StepResult | ExpressionAnswer;

type Target = TransitionTarget;
type RunKey = { executionId: string; instanceKey: string; attempt: number };

const isAnswer = (entry: ResultEntry): entry is ExpressionAnswer => 'kind' in entry && entry.kind === 'expression';

/**
 * Applies a batch of worker results (and expression answers) as one transaction (docs/architecture.md,
 * invariant 2), recording each run's outcome only if it is still in flight (invariant 3), then
 * enqueues what became ready.
 *
 * Fast path, one round trip: when this coordinator holds every execution's state (it made their
 * last transition), the engine runs on those states and one statement writes everything over the
 * versions it read — or, if any execution moved on or any result was a duplicate, writes nothing.
 * Locking path, two round trips: lock the rows, record the results, run the engine on the stored
 * states, write, commit. The fast path falling back costs one wasted statement, never a wrong write.
 *
 * The batch's executions are driven side by side, each up to the same deadline: an execution whose
 * expressions are slow commits with them unanswered (see `driveEngine`) instead of holding up the
 * others' results.
 */
export function createResultApplier(deps: CoordinatorServices): (entries: ResultEntry[], lengths?: number[]) => Promise<ApplyOutcome[]> {
  const { cache } = deps;
  return async (entries, lengths = []) => {
    const now = deps.now();
    const ids = [...new Set(entries.map((r) => r.executionId))];
    const completions = completionsOf(entries);

    // Taken out of the cache: the engine changes these states in place, so no other batch may use
    // them meanwhile, and a failed write leaves none behind. The written ones go back.
    const cached = ids.map((id) => ({ id, entry: cache.take(id) }));
    // Some states are not cached: the locking path, given the ones that are, whose nodes it then need not read.
    let held: Map<string, CachedExecution> | undefined;
    if (!cached.every((c) => c.entry !== undefined)) {
      held = new Map(cached.filter((c) => c.entry !== undefined).map((c) => [c.id, c.entry!]));
    } else {
      const targets = new Map<string, Target>(
        cached.map(({ id, entry }) => [
          id,
          {
            id,
            state: entry!.state,
            version: entry!.version,
            changed: false,
            ...nodesAsRead(entry!),
            ...(entry!.bytes === undefined ? {} : { bytes: entry!.bytes }),
          },
        ]),
      );
      const applied = await applyInMemory(
        deps,
        entries,
        lengths,
        targets,
        (r) => ({ executionId: r.executionId, instanceKey: r.instanceKey, attempt: r.attempt }),
        now,
      );
      // Building the statement of a large batch is synchronous work of its own: let requests in first
      // (not for a small one, where the extra turn of the event loop would only add latency).
      if (entries.length > 64) await new Promise((resolve) => setImmediate(resolve));
      // Completions again: a success whose output made its state too large was turned into a failure.
      const folded = foldRunWrites(applied.converted.length > 0 ? completionsOf(applied.entries) : completions, applied.effects.stepRunWrites());
      const outcome = await runOptimisticTransition(deps.pool, {
        completions: folded.completions,
        // Every execution of the batch is written, changed or not, so each one's version is checked.
        executions: [...targets.values()].map((t) => executionUpdate(t, now)),
        stepRuns: folded.writes,
        logs: [...applied.logs, ...applied.effects.logs],
        errors: applied.effects.errors,
        events: applied.effects.eventRows(),
        signals: applied.effects.signals,
      });
      if (outcome) {
        rememberWritten(deps.cache, targets.values(), outcome.versions);
        await finish(deps, applied, outcome.stepRuns);
        return applied.outcomes;
      }
    }

    let applied!: Applied;
    let targets!: Map<string, Target>;
    const { stepRuns, versions } = await runTransition(
      deps.pool,
      { lock: ids, complete: completions, ...(held ? { held } : {}) },
      async ({ executions, completed }) => {
        targets = new Map(executions.map((e) => [e.id, { id: e.id, state: e.state as ExecutionState, version: e.version, changed: false, ...nodesAsRead(e) }]));
        const runs = new Map(completed.map((key) => [key.id, key]));
        applied = await applyInMemory(deps, entries, lengths, targets, (r) => runs.get(r.stepRunId), now);
        const updates = [...targets.values()].filter((t) => t.changed).map((t) => executionUpdate(t, now));
        // Their completion (this transaction's first statement) wrote the output that was too large: write the failure over it.
        const overwritten = applied.converted.map((index) =>
          failedRunWrite(applied.entries[index] as StepResult, runs.get((applied.entries[index] as StepResult).stepRunId)!),
        );
        return {
          writes: {
            stepRuns: [...applied.effects.stepRunWrites(), ...overwritten],
            executions: updates,
            logs: [...applied.logs, ...applied.effects.logs],
            errors: applied.effects.errors,
            events: applied.effects.eventRows(),
            signals: applied.effects.signals,
          },
          value: undefined,
        };
      },
    );
    rememberWritten(deps.cache, targets.values(), versions);
    await finish(deps, applied, stepRuns);
    return applied.outcomes;
  };
}

function completionsOf(entries: readonly ResultEntry[]): StepRunCompletion[] {
  return entries.filter((r): r is StepResult => !isAnswer(r)).map((r) => completion(r));
}

/**
 * The run of a result turned into a failure, written over its completion in the same transaction.
 * The row exists (the completion matched it), so only the conflict's update applies: step id and
 * type are not needed.
 */
function failedRunWrite(result: StepResult, run: { id: string; executionId: string; instanceKey: string; attempt: number }): StepRunWrite {
  return {
    id: run.id,
    executionId: run.executionId,
    stepId: '',
    instanceKey: run.instanceKey,
    stepType: '',
    attempt: run.attempt,
    status: 'failed',
    output: null,
    error: result.outcome === 'failed' ? result.error : null,
  };
}

function completion(r: StepResult): StepRunCompletion {
  return {
    id: r.stepRunId,
    executionId: r.executionId,
    instanceKey: r.instanceKey,
    attempt: r.attempt,
    status: r.outcome,
    ...(r.outcome === 'succeeded' ? { output: r.output, ...(r.response ? { response: r.response } : {}) } : { error: r.error }),
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
    folded[index] = {
      ...completion,
      status: write.status,
      ...(write.output !== undefined ? { output: write.output } : {}),
      ...(write.error ? { error: write.error } : {}),
    };
  }
  return { completions: folded, writes: rest };
}

interface Applied {
  /** The batch's entries, with successes whose output made their state too large turned into failures. */
  entries: ResultEntry[];
  /** Indexes of the entries so turned. */
  converted: number[];
  effects: Effects;
  logs: NewLog[];
  outcomes: ApplyOutcome[];
  ignored: Record<string, string>[];
  /** Evaluations each execution left unanswered, to continue once the transaction committed. */
  deferred: Map<string, DeferredEvaluation[]>;
}

/** What driving one execution through its entries of the batch produced, kept apart until merged in order. */
interface ExecutionPass {
  target?: Target;
  /** Successes turned into OUTPUT_TOO_LARGE failures, by entry index. */
  converted: [number, StepResult][];
  workflow?: CompiledWorkflow;
  /** Each applied decision's commands, with the worker's success it applied. */
  commands: { commands: Parameters<Effects['add']>[2]; done?: StepDone }[];
  logs: NewLog[];
  ignored: Record<string, string>[];
  applied: number[];
  deferred: DeferredEvaluation[];
  /** Undoes each applied decision's changes to the state, in the order applied (run them last first). */
  reverts: (() => void)[];
}

/**
 * Runs the engine for each entry on the targets' states, in memory; collects what to write. The
 * entries of one execution are applied in order; executions are driven concurrently, up to one
 * shared deadline.
 */
/** What a transaction's decisions share: when to stop answering expressions, and the branch starts left. */
interface Bounds {
  deadline: number;
  branchStarts: BranchStartBudget;
}

async function applyInMemory(
  deps: CoordinatorServices,
  entries: ResultEntry[],
  lengths: number[],
  targets: Map<string, Target>,
  runOf: (result: StepResult) => RunKey | undefined,
  now: number,
): Promise<Applied> {
  const byExecution = new Map<string, number[]>();
  for (const [index, entry] of entries.entries()) {
    const list = byExecution.get(entry.executionId);
    if (list) list.push(index);
    else byExecution.set(entry.executionId, [index]);
  }
  // One deadline and one budget of branch starts for the whole transaction, shared by its executions.
  const bounds: Bounds = { deadline: performance.now() + deps.inlineBudgetMs, branchStarts: branchStartBudget(deps) };
  // The statuses before this batch: a status change is a workflow event.
  const before = new Map([...targets.values()].map((t) => [t.id, t.state.status]));
  const passes = await Promise.all(
    [...byExecution].map(([executionId, indices]) => drive(deps, entries, lengths, indices, targets.get(executionId), runOf, now, bounds)),
  );

  const applied: Applied = {
    entries: [...entries],
    converted: [],
    effects: new Effects(),
    logs: [],
    outcomes: entries.map(() => 'ignored'),
    ignored: [],
    deferred: new Map(),
  };
  for (const pass of passes) {
    for (const index of pass.applied) applied.outcomes[index] = 'applied';
    for (const [index, failed] of pass.converted) {
      applied.entries[index] = failed;
      applied.converted.push(index);
    }
    applied.logs.push(...pass.logs);
    applied.ignored.push(...pass.ignored);
    const { target } = pass;
    if (target === undefined || pass.workflow === undefined) continue;
    const ref = {
      id: target.id,
      namespace: namespaceOfState(target.state),
      workflowId: target.state.workflowId,
      workflowVersion: target.state.workflowVersion,
    };
    for (const { commands, done } of pass.commands) applied.effects.add(ref, pass.workflow, commands, done);
    applied.effects.status(ref, before.get(target.id) ?? target.state.status, target.state);
    if (pass.deferred.length > 0) applied.deferred.set(target.id, pass.deferred);
  }
  return applied;
}

async function drive(
  deps: CoordinatorServices,
  entries: ResultEntry[],
  lengths: number[],
  indices: number[],
  target: Target | undefined,
  runOf: (result: StepResult) => RunKey | undefined,
  now: number,
  bounds: Bounds,
): Promise<ExecutionPass> {
  if (target === undefined) return { converted: [], commands: [], logs: [], ignored: [], applied: [], deferred: [], reverts: [] };
  const before = target.state;
  const pass = await driveEntries(deps, entries, indices, target, runOf, now, bounds, false);
  if (!target.changed) return pass;
  // A bound without serializing: what the state measured before, plus all of each entry's payload
  // (3 bytes per code unit at most) and some bookkeeping. Measured exactly only when that could be over.
  const bound =
    target.bytes === undefined ? undefined : target.bytes + indices.reduce((sum, i) => sum + 3 * (lengths[i] ?? Number.POSITIVE_INFINITY) + 1024, 0);
  if (bound !== undefined && bound <= deps.maxStateBytes) {
    target.bytes = bound;
    return pass;
  }
  const stateJson = JSON.stringify(target.state);
  const bytes = Buffer.byteLength(stateJson);
  if (bytes <= deps.maxStateBytes) {
    target.bytes = bytes;
    return pass;
  }
  // The outputs would make the state too large: the same entries again, with every success failed instead.
  for (let i = pass.reverts.length - 1; i >= 0; i--) pass.reverts[i]!();
  target.state = before;
  const retried = await driveEntries(deps, entries, indices, target, runOf, now, bounds, { bytes, limit: deps.maxStateBytes });
  delete target.bytes;
  return retried;
}

/** What over-large outputs become: the size the state would have had, and the limit. */
interface TooLarge {
  bytes: number;
  limit: number;
}

async function driveEntries(
  deps: CoordinatorServices,
  entries: ResultEntry[],
  indices: number[],
  target: Target,
  runOf: (result: StepResult) => RunKey | undefined,
  now: number,
  bounds: Bounds,
  tooLarge: TooLarge | false,
): Promise<ExecutionPass> {
  const pass: ExecutionPass = { target, converted: [], commands: [], logs: [], ignored: [], applied: [], deferred: [], reverts: [] };
  for (const index of indices) {
    let entry = entries[index]!;
    if (tooLarge && !isAnswer(entry) && entry.outcome === 'succeeded') {
      entry = tooLargeFailure(entry, tooLarge);
      pass.converted.push([index, entry]);
    }
    const event = eventOf(entry, target, runOf, now);
    // A run completed under another execution's id is a forged or broken result: not applied.
    if (event === undefined) continue;
    const { state } = target;
    // The execution's own namespace: its workflow and strategies, whoever's the batch's other executions are.
    const workflow = pass.workflow ?? (await deps.registry.compiled(namespaceOfState(state), state.workflowId, state.workflowVersion));
    pass.workflow = workflow;
    // Named before the engine runs: it changes `state` in place.
    const done = isAnswer(entry) || entry.outcome !== 'succeeded' ? undefined : stepDone(entry, event, workflow, state);
    const decision = await driveEngine(workflow, state, event, deps.expressions, driveOptions(deps, target.id, state, bounds.deadline, bounds.branchStarts));
    pass.applied.push(index);
    if (decision.ignored) {
      // An answer nobody waits for any more (asked twice, or the node moved on) is routine, not news.
      if (isAnswer(entry)) deps.logger.debug({ executionId: target.id, key: entry.key, reason: decision.ignored }, 'stale expression answer');
      else pass.ignored.push({ executionId: target.id, stepRunId: entry.stepRunId, reason: decision.ignored });
    } else {
      target.state = decision.state;
      target.changed = true;
      noteChangedNodes(target, decision.changedNodes);
      pass.reverts.push(decision.revert);
      pass.commands.push(done === undefined ? { commands: decision.commands } : { commands: decision.commands, done });
      pass.deferred.push(...decision.deferred);
    }
    if (!isAnswer(entry)) {
      const stepId = target.state.nodes[entry.instanceKey]?.stepId ?? null;
      for (const log of entry.logs)
        pass.logs.push({ executionId: target.id, stepRunId: entry.stepRunId, stepId, level: log.level, message: log.message, at: new Date(log.at) });
    }
  }
  return pass;
}

/** A worker's success the engine applied, as its `step:completed` event names it (`state`: before the decision). */
function stepDone(result: StepResult, event: EngineEvent, workflow: CompiledWorkflow, state: ExecutionState): StepDone {
  const key = 'key' in event ? event.key : result.instanceKey;
  const stepId = state.nodes[key]?.stepId ?? '';
  return { key, stepId, stepType: stepId === '' ? '' : stepOf(workflow, stepId).type, attempt: result.attempt, stepRunId: result.stepRunId };
}

/** A success whose output would make its execution's state too large, as the failure it becomes. */
function tooLargeFailure(result: Extract<StepResult, { outcome: 'succeeded' }>, tooLarge: TooLarge): StepResult {
  const { output: _output, variableUpdates: _updates, response: _response, outcome: _outcome, ...rest } = result;
  const message = `the step's output would make the execution's state ${tooLarge.bytes} bytes of JSON, over MAX_EXECUTION_STATE_BYTES (${tooLarge.limit})`;
  return { ...rest, outcome: 'failed', error: stepError('OUTPUT_TOO_LARGE', message, { bytes: tooLarge.bytes, limit: tooLarge.limit }) };
}

/** The engine event an entry is; undefined for a result that matches no run of this execution in flight. */
function eventOf(entry: ResultEntry, target: Target, runOf: (result: StepResult) => RunKey | undefined, now: number): EngineEvent | undefined {
  if (isAnswer(entry)) {
    const outcome = entry.outcome.ok
      ? { ok: true as const, truthy: entry.outcome.truthy, value: null, ...(entry.outcome.warning === undefined ? {} : { warning: entry.outcome.warning }) }
      : entry.outcome;
    return {
      type: 'expression.evaluated',
      key: entry.key,
      purpose: entry.purpose,
      attempt: entry.attempt,
      ...(entry.iteration === undefined ? {} : { iteration: entry.iteration }),
      outcome,
      at: now,
    };
  }
  const run = runOf(entry);
  if (!run || run.executionId !== target.id) return undefined;
  const usage = entry.agent ? { usage: entry.agent.usage } : {};
  return entry.outcome === 'succeeded'
    ? {
        type: 'step.succeeded',
        key: run.instanceKey,
        attempt: run.attempt,
        output: entry.output,
        ...(entry.response ? { response: entry.response } : {}),
        ...(entry.variableUpdates ? { variableUpdates: entry.variableUpdates } : {}),
        ...usage,
        at: now,
      }
    : { type: 'step.failed', key: run.instanceKey, attempt: run.attempt, error: entry.error, ...usage, at: now };
}

/** After commit: continue deferred evaluations, enqueue, and report what was recorded but not applied (only now is it final). */
async function finish(deps: CoordinatorServices, applied: Applied, keys: Parameters<Effects['afterCommit']>[0]): Promise<void> {
  const { effects } = applied;
  for (const [executionId, deferred] of applied.deferred) deps.background.continue(executionId, deferred);
  for (const entry of applied.ignored) deps.logger.warn(entry, 'result recorded but not applied');
  deps.eventsWritten?.();
  await enqueueAfterCommit(deps, effects.afterCommit(keys));
  for (const settled of effects.settled) deps.logger.debug(settled, 'execution settled');
  if (effects.settled.length > 0) deps.onSettled(effects.settled);
}
