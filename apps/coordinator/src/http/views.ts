import { visibleResults, type ExecutionState } from '@agentic-flow/engine';
import type { ExecutionError, ExecutionSummary, ExecutionView, LogEntryView, StepError, StepRunView, WorkflowSummary } from '@agentic-flow/spec';
import type { DefinitionPage, ExecutionRow, ExecutionSummaryRow, LogRow, StepRunRow } from '@agentic-flow/store';

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

export function executionSummaryView(row: ExecutionSummaryRow): ExecutionSummary {
  return {
    id: row.id,
    workflowId: row.workflowId,
    workflowVersion: row.workflowVersion,
    status: row.status,
    error: (row.error as ExecutionError | null) ?? null,
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
  };
}

export function stepRunView(row: StepRunRow): StepRunView {
  return {
    id: row.id,
    stepId: row.stepId,
    instanceKey: row.instanceKey,
    stepType: row.stepType,
    attempt: row.attempt,
    status: row.status,
    output: row.output ?? null,
    error: (row.error as StepError | null) ?? null,
    queuedAt: iso(row.queuedAt),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    durationMs: row.startedAt && row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
    workerId: row.workerId,
  };
}

export function executionView(row: ExecutionRow, steps: StepRunRow[]): ExecutionView {
  const state = row.state as ExecutionState;
  return {
    ...executionSummaryView(row),
    input: row.variables as Record<string, unknown>,
    variables: state.variables,
    results: visibleResults(state, ''),
    steps: steps.map(stepRunView),
    escalations: Object.entries(state.nodes)
      .filter(([, node]) => node.status === 'escalated')
      .map(([instanceKey, node]) => ({ stepId: node.stepId, instanceKey, attempt: node.attempt, error: node.error ?? null })),
  };
}

export function workflowSummaryView(row: DefinitionPage['rows'][number]): WorkflowSummary {
  return { id: row.id, version: row.version, name: row.name, description: row.description, createdAt: row.createdAt.toISOString() };
}

export function logEntryView(row: LogRow): LogEntryView {
  return { id: row.id, stepRunId: row.stepRunId, stepId: row.stepId, level: row.level, message: row.message, at: row.at.toISOString() };
}
