import type { ExecutionView, StepRunSummary } from '@agentic-flow/sdk';

/** Exit codes of `run`: the execution completed; it failed or was cancelled; the command line was wrong; no outcome (refused, unreachable, still running). */
export const RUN_EXIT = { completed: 0, failed: 1, usage: 2, noOutcome: 3 } as const;

const seconds = (from: string | null, to: string | null): string =>
  from === null || to === null ? '' : ` in ${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s`;

/** One line per settled step run, for stderr as the execution goes: `  fetch-data succeeded (120 ms)`. */
export function stepLine(step: StepRunSummary): string {
  const took = step.durationMs === null ? '' : ` (${Math.round(step.durationMs)} ms)`;
  const error = step.error === null ? '' : `: ${step.error.code}: ${step.error.message}`;
  return `  ${step.instanceKey} ${step.status}${took}${error}`;
}

/**
 * What `run` prints on stdout once the execution settled: a summary line, then the results as JSON
 * when it completed (or the whole execution as JSON with `--json`).
 */
export function outcomeText(execution: ExecutionView, json: boolean): string {
  if (json) return JSON.stringify(execution, null, 2);
  const head = `${execution.status}: execution ${execution.id} of ${execution.workflowId}@${execution.workflowVersion}${seconds(execution.startedAt ?? execution.createdAt, execution.finishedAt)}`;
  if (execution.status === 'completed') return `${head}\n${JSON.stringify(execution.results, null, 2)}`;
  const error = execution.error;
  if (error === null) return head;
  return `${head}: ${error.stepId === undefined ? '' : `step "${error.stepId}" failed with `}${error.code}: ${error.message}`;
}

export function exitCodeOf(execution: ExecutionView): number {
  return execution.status === 'completed' ? RUN_EXIT.completed : RUN_EXIT.failed;
}
