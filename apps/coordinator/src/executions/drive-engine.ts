import {
  DEFAULT_BRANCH_STARTS_PER_TRANSITION,
  namespaceOfState,
  openDecision,
  type BranchStartBudget,
  type CompiledWorkflow,
  type DecideOptions,
  type Decision,
  type EngineCommand,
  type EngineEvent,
  type ExecutionState,
  type ExpressionOutcome,
} from '@agentic-flow/engine';
import type { DeferredEvaluation } from '../expressions/background-evaluations.js';
import type { ExpressionRunner } from '../expressions/expression-runner.js';
import type { CoordinatorServices } from './coordinator-services.js';

export interface DriveOptions extends DecideOptions {
  /** The execution driven: its sandbox evaluations take turns with other executions'. */
  executionId: string;
  /** `performance.now()` past which no more expressions are answered in this transition. */
  deadline: number;
}

/** A decision, and the evaluations it leaves to answer after its transaction commits. */
export interface Drive extends Decision {
  deferred: DeferredEvaluation[];
  /** Puts the state it was given back as it was (the engine changed it in place, see `openDecision`). */
  revert(): void;
  /** The nodes it changed (a key now absent was removed), or `all`. */
  changedNodes: ReadonlySet<string> | 'all';
}

/**
 * Options for driving `executionId` with the recovery strategies of its namespace and workflow (the
 * state's), until `deadline` (default: the inline budget from now), starting at most what
 * `branchStarts` has left of parallel branches (default: a transaction's worth of its own). A
 * transaction that makes several decisions shares one budget among them.
 */
export function driveOptions(
  deps: CoordinatorServices,
  executionId: string,
  state: Pick<ExecutionState, 'namespace' | 'workflowId'>,
  deadline = performance.now() + deps.inlineBudgetMs,
  branchStarts: BranchStartBudget = branchStartBudget(deps),
): DriveOptions {
  return {
    strategies: deps.strategies.strategiesFor(namespaceOfState(state), state.workflowId),
    executionId,
    deadline,
    ...(deps.maxWorkflowDepth !== undefined ? { maxWorkflowDepth: deps.maxWorkflowDepth } : {}),
    ...(deps.maxStepsPerExecution !== undefined ? { maxStepsPerExecution: deps.maxStepsPerExecution } : {}),
    branchStartBudget: branchStarts,
  };
}

/** The branch starts one transaction may make (`BRANCH_STARTS_PER_TRANSITION`), for its decisions to share. */
export function branchStartBudget(deps: Pick<CoordinatorServices, 'branchStartsPerTransition'>): BranchStartBudget {
  return { remaining: deps.branchStartsPerTransition ?? DEFAULT_BRANCH_STARTS_PER_TRANSITION };
}

/** Synchronous work between two yields to the event loop, at most. */
const SLICE_MS = 10;
const DEADLINE = Symbol('deadline');

/**
 * Runs the engine on `event`, then answers the `evaluate` commands it emits, in order, feeding each
 * answer back as an `expression.evaluated` event in the same transition — until `deadline`. What is
 * not answered by then is deferred: the transition commits with those nodes waiting, and the caller
 * hands `deferred` to `BackgroundEvaluations`, whose answers a later transaction applies. So one
 * slow expression never holds a transaction (nor the other executions in its batch) past the
 * deadline, and a chain of thousands of conditions proceeds a deadline's worth per transaction,
 * yielding to the event loop every few milliseconds. The state given is changed in place
 * (`openDecision`): the caller owns it, and keeps the result or calls `revert`.
 */
export async function driveEngine(
  workflow: CompiledWorkflow,
  state: ExecutionState,
  event: EngineEvent,
  expressions: ExpressionRunner,
  options: DriveOptions,
): Promise<Drive> {
  const session = openDecision(workflow, state, event.at, options);
  const ignored = session.apply(event);
  if (ignored !== undefined) {
    session.revert();
    return { state, commands: [], ignored, deferred: [], revert: () => undefined, changedNodes: new Set() };
  }
  const deferred: DeferredEvaluation[] = [];
  let sliceStart = performance.now();
  // `session.commands` grows as answers are applied: the loop reaches what they emit too.
  for (let i = 0; i < session.commands.length; i++) {
    const command = session.commands[i]!;
    if (command.type !== 'evaluate') continue;
    if (performance.now() >= options.deadline) {
      deferred.push({ command });
      continue;
    }
    let outcome: ExpressionOutcome | undefined = expressions.answerNow(command);
    if (outcome === undefined) {
      const answer = expressions.evaluate(command, options.executionId);
      const first = await beforeDeadline(answer, options.deadline);
      sliceStart = performance.now();
      if (first === DEADLINE) {
        // Whoever continues it handles its failure; until then it must not count as unhandled.
        answer.catch(() => undefined);
        deferred.push({ command, answer });
        continue;
      }
      outcome = first;
    } else if (performance.now() - sliceStart > SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
    session.apply({
      type: 'expression.evaluated',
      key: command.key,
      purpose: command.purpose,
      attempt: command.attempt,
      ...(command.iteration === undefined ? {} : { iteration: command.iteration }),
      outcome,
      at: event.at,
    });
  }
  const final = session.finish();
  const commands: EngineCommand[] = session.commands.filter((command) => command.type !== 'evaluate');
  return { state: final, commands, deferred, revert: session.revert, changedNodes: session.changedNodes() };
}

async function beforeDeadline<T>(answer: Promise<T>, deadline: number): Promise<T | typeof DEADLINE> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<typeof DEADLINE>((resolve) => (timer = setTimeout(() => resolve(DEADLINE), Math.max(0, deadline - performance.now()))));
  try {
    return await Promise.race([answer, expired]);
  } finally {
    clearTimeout(timer);
  }
}
