import type { EngineEvent, ExecutionState, StepSignal } from '@agentic-flow/engine';
import { StepErrorSchema } from '@agentic-flow/spec';
import { lockExecutionWithSignalsSql, runTransition, type ClaimedStepSignal } from '@agentic-flow/store';
import { z } from 'zod';
import type { DeferredEvaluation } from '../expressions/background-evaluations.js';
import type { CoordinatorServices } from '../executions/coordinator-services.js';
import { driveEngine, driveOptions } from '../executions/drive-engine.js';
import { Effects } from '../executions/effects.js';
import { enqueueAfterCommit } from '../executions/enqueue-after-commit.js';
import { nodesAsRead, executionUpdate, noteChangedNodes, rememberWritten, type TransitionTarget } from '../executions/execution-update.js';

/** A signal as the engine knows it: a row whose `signal` is anything else is poison, deleted unapplied. */
const StepSignalSchema: z.ZodType<StepSignal> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('timer') }),
  z.object({ type: z.literal('launch') }),
  z.object({
    type: z.literal('child-settled'),
    childExecutionId: z.string(),
    status: z.enum(['completed', 'failed', 'cancelled']),
    output: z.unknown().optional(),
    error: StepErrorSchema.optional(),
  }),
]);

/** Signals a coordinator applies to one execution in one transaction, at most. */
const SIGNALS_PER_TRANSACTION = 100;

export interface SignalDelivery {
  /** Signals applied (the engine took them) or ignored (stale: the node moved on, the execution settled). */
  applied: number;
  ignored: number;
  /** Rows that were not a signal: deleted, logged. */
  malformed: number;
}

/**
 * Applies execution `executionId`'s due step signals as `step.signal` events, in one transaction
 * that claims them with the execution locked (`lockExecutionWithSignalsSql`: another coordinator
 * applying them already makes this one find none, without waiting), writes the new state, its runs,
 * events and new signals, and deletes the signals it took, applied or ignored: a signal is delivered
 * exactly once. Then, as every transition does: enqueue after commit, tell the event hub, admission
 * and the poller. `claimed` receives the ids of the rows claimed, before anything can throw: the
 * poller's poison count. `only`: just these signal rows (the poller isolating a failing one).
 */
export async function deliverSignals(
  deps: CoordinatorServices,
  executionId: string,
  claimed: string[] = [],
  only?: readonly string[],
): Promise<SignalDelivery> {
  const now = deps.now();
  const effects = new Effects();
  const outcome: SignalDelivery = { applied: 0, ignored: 0, malformed: 0 };
  let target: TransitionTarget | undefined;
  let deferred: DeferredEvaluation[] = [];
  const lockSql = lockExecutionWithSignalsSql(executionId, SIGNALS_PER_TRANSACTION, only);
  // The cached state, if this coordinator moved the execution last: its nodes are not read again.
  // Taken, as the engine changes it in place; given back below if it stays the row's.
  const held = deps.cache.take(executionId);
  let heldStill = held !== undefined;
  const { stepRuns, versions } = await runTransition(
    deps.pool,
    { lock: [], lockSql, complete: [], ...(held ? { held: new Map([[executionId, held]]) } : {}) },
    async ({ executions }) => {
      const row = executions[0] as ((typeof executions)[number] & { signals: ClaimedStepSignal[] | null }) | undefined;
      // Nothing due any more (applied by another coordinator), or the execution is gone (its signals went with it).
      if (!row) return { writes: { stepRuns: [], executions: [], logs: [] }, value: undefined };
      heldStill = row.version === held?.version;
      const signals = row.signals ?? [];
      claimed.push(...signals.map((s) => s.id));
      const workflow = await deps.registry.compiled(row.namespace, row.workflowId, row.workflowVersion);
      const before = row.state as ExecutionState;
      const ref = { id: executionId, namespace: row.namespace, workflowId: row.workflowId, workflowVersion: row.workflowVersion };
      let state = before;
      const written: TransitionTarget = { id: executionId, state, version: row.version, changed: false, ...nodesAsRead(row) };
      const options = driveOptions(deps, executionId, { namespace: row.namespace, workflowId: row.workflowId });
      for (const claim of signals) {
        const signal = StepSignalSchema.safeParse(claim.signal);
        if (!signal.success || typeof claim.instanceKey !== 'string' || !Number.isInteger(claim.attempt)) {
          outcome.malformed += 1;
          deps.logger.error({ executionId, signalId: claim.id, signal: claim.signal }, 'step signal is malformed; deleted without applying it');
          continue;
        }
        const event: EngineEvent = { type: 'step.signal', key: claim.instanceKey, attempt: claim.attempt, signal: signal.data, at: now };
        const decision = await driveEngine(workflow, state, event, deps.expressions, options);
        if (decision.ignored) {
          outcome.ignored += 1;
          deps.logger.debug({ executionId, key: claim.instanceKey, attempt: claim.attempt, reason: decision.ignored }, 'step signal ignored');
          continue;
        }
        outcome.applied += 1;
        state = decision.state;
        noteChangedNodes(written, decision.changedNodes);
        deferred = [...deferred, ...decision.deferred];
        effects.add(ref, workflow, decision.commands);
      }
      const ids = signals.map((s) => s.id);
      if (state === before) return { writes: { stepRuns: [], executions: [], logs: [], appliedSignals: ids }, value: undefined };
      effects.status(ref, before.status, state);
      target = { ...written, state, changed: true };
      return {
        writes: { ...effects.writes(), executions: [executionUpdate(target, now)], appliedSignals: ids },
        value: undefined,
      };
    },
  );
  if (!target) {
    // Nothing changed: what was held is still the row's (or it was stale, and is dropped).
    if (held && heldStill) deps.cache.set(executionId, held);
    return outcome;
  }
  deps.eventsWritten?.();
  rememberWritten(deps.cache, [target], versions);
  deps.background.continue(executionId, deferred);
  await enqueueAfterCommit(deps, effects.afterCommit(stepRuns));
  if (effects.settled.length > 0) deps.onSettled(effects.settled);
  return outcome;
}
