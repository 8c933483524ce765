import { usageOf, visibleResults, type ExecutionState } from '@agentic-flow/engine';
import type { AgentRunView, ExecutionError, ExecutionUsage, ExecutionSummary, ExecutionView, LogEntryView, StepError, StepRunView, TranscriptEntry, TranscriptView, WorkflowSummary } from '@agentic-flow/spec';
import type { DefinitionPage, ExecutionRow, ExecutionSummaryRow, LogRow, StepRunRow, TranscriptRow } from '@agentic-flow/store';

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
    agent: (row.agent as AgentRunView | null) ?? null,
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
    usage: executionUsage(state),
    escalations: Object.entries(state.nodes)
      .filter(([, node]) => node.status === 'escalated')
      .map(([instanceKey, node]) => ({ stepId: node.stepId, instanceKey, attempt: node.attempt, error: node.error ?? null })),
  };
}

function executionUsage(state: ExecutionState): ExecutionUsage {
  const { inputTokens, outputTokens, costUsd } = usageOf(state);
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, costUsd, tokenBudget: state.tokenBudget ?? null };
}

export function workflowSummaryView(row: DefinitionPage['rows'][number]): WorkflowSummary {
  return { id: row.id, version: row.version, name: row.name, description: row.description, createdAt: row.createdAt.toISOString() };
}

export function logEntryView(row: LogRow): LogEntryView {
  return { id: row.id, stepRunId: row.stepRunId, stepId: row.stepId, level: row.level, message: row.message, at: row.at.toISOString() };
}

export function transcriptView(row: TranscriptRow): TranscriptView {
  const agent = row.agent as AgentRunView | null;
  return {
    stepRunId: row.stepRunId,
    stepId: row.stepId,
    instanceKey: row.instanceKey,
    attempt: row.attempt,
    status: row.status as TranscriptView['status'],
    provider: agent?.provider ?? null,
    model: agent?.model ?? null,
    usage: agent?.usage ?? null,
    messages: (row.transcript as TranscriptEntry[] | null) ?? [],
  };
}
