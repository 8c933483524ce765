import { visibleResults, type ExecutionState, type UsageTotals } from '@agentic-flow/engine';
import type {
  AgentRunView,
  ExecutionError,
  ExecutionOverview,
  ExecutionStatus,
  ExecutionUsage,
  ExecutionSummary,
  ExecutionView,
  HttpResponse,
  LogEntryView,
  StepError,
  StepRunSummary,
  StepRunView,
  TranscriptEntry,
  TranscriptView,
  WorkflowSummary,
} from '@agentic-flow/spec';
import type { executionFamily } from '@agentic-flow/store';
import type {
  DefinitionPage,
  ExecutionOverviewRow,
  ExecutionRow,
  ExecutionSummaryRow,
  LogRow,
  StepRunPage,
  StepRunRow,
  StepRunSummaryRow,
  TranscriptRow,
} from '@agentic-flow/store';

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

export function executionSummaryView(row: ExecutionSummaryRow): ExecutionSummary {
  return {
    id: row.id,
    namespace: row.namespace,
    workflowId: row.workflowId,
    workflowVersion: row.workflowVersion,
    status: row.status,
    error: (row.error as ExecutionError | null) ?? null,
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
  };
}

export function stepRunSummaryView(row: StepRunSummaryRow): StepRunSummary {
  return {
    id: row.id,
    stepId: row.stepId,
    instanceKey: row.instanceKey,
    stepType: row.stepType,
    attempt: row.attempt,
    status: row.status,
    error: (row.error as StepError | null) ?? null,
    queuedAt: iso(row.queuedAt),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    durationMs: row.startedAt && row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
    workerId: row.workerId,
    agent: (row.agent as AgentRunView | null) ?? null,
    response: (row.response as HttpResponse | null) ?? null,
  };
}

export function stepRunView(row: StepRunRow): StepRunView {
  return { ...stepRunSummaryView(row), output: row.output ?? null };
}

/** A page of the execution's runs as the route read it; `fromCursor` when it came from `stepsCursor`. */
export type StepsRead<Row> = StepRunPage<Row> & { fromCursor: boolean };

/** The poll's view: no outputs anywhere (see {@link findExecutionOverview}). */
export function executionOverviewView(row: ExecutionOverviewRow, steps: StepsRead<StepRunSummaryRow>, family: Family = NO_FAMILY): ExecutionOverview {
  return {
    ...familyView(family),
    ...executionSummaryView(row),
    input: row.input,
    variables: row.variables,
    steps: steps.rows.map(stepRunSummaryView),
    nextStepsCursor: steps.nextCursor,
    usage: usageView(row.usage ?? undefined, row.tokenBudget),
    escalations: row.escalations,
  };
}

/** Everything, outputs included (`?include=outputs`), for the page's runs. */
export function executionView(row: ExecutionRow, steps: StepsRead<StepRunRow>, family: Family = NO_FAMILY): ExecutionView {
  const state = row.state as ExecutionState;
  return {
    ...familyView(family),
    ...executionSummaryView(row),
    input: row.variables as Record<string, unknown>,
    variables: state.variables,
    results: pageResults(state, steps),
    steps: steps.rows.map(stepRunView),
    nextStepsCursor: steps.nextCursor,
    usage: usageView(state.usage, state.tokenBudget ?? null),
    escalations: Object.entries(state.nodes)
      .filter(([, node]) => node.status === 'escalated')
      .map(([instanceKey, node]) => ({ stepId: node.stepId, instanceKey, attempt: node.attempt, error: node.error ?? null })),
  };
}

/**
 * `results` as before when the page is every run (the read that knows no pages); otherwise only the
 * step ids of the page's runs, so a page of a 100,000-run execution carries a page's worth of
 * outputs. (Results of steps without runs, such as a loop's, are then in the whole read only.)
 */
function pageResults(state: ExecutionState, steps: StepsRead<StepRunRow>): Record<string, unknown> {
  const all = visibleResults(state, '');
  if (isWholeRead(steps)) return all;
  const onPage = new Set(steps.rows.map((run) => run.stepId));
  return Object.fromEntries(Object.entries(all).filter(([stepId]) => onPage.has(stepId)));
}

/** The page is every run of the execution: the read answers as one that knows no pages. */
export function isWholeRead(steps: StepsRead<unknown>): boolean {
  return !steps.fromCursor && steps.nextCursor === null;
}

/** The top-level instance keys whose nodes hold the `results` of a page (a top-level step's key is its id). */
export function pageResultKeys(steps: StepsRead<StepRunRow>): string[] {
  return [...new Set(steps.rows.map((run) => run.stepId))];
}

/**
 * A page of a large execution with its outputs (`?include=outputs` when another page follows or
 * this one came from a cursor): the overview's head and escalations, the page's runs, and `results`
 * from the page's own top-level nodes (`nodes`, read for the page alone) — the same entries
 * {@link executionView} gives a page, without reading the whole state.
 */
export function pagedExecutionView(
  row: ExecutionOverviewRow,
  steps: StepsRead<StepRunRow>,
  nodes: Record<string, unknown>,
  family: Family = NO_FAMILY,
): ExecutionView {
  const results: Record<string, unknown> = {};
  for (const stepId of pageResultKeys(steps)) {
    const node = nodes[stepId] as { stepId?: unknown; status?: unknown; output?: unknown } | undefined;
    if (node?.status === 'succeeded' && node.stepId === stepId && node.output !== undefined) results[stepId] = node.output;
  }
  return { ...executionOverviewView(row, steps, family), results, steps: steps.rows.map(stepRunView) };
}

type Family = Awaited<ReturnType<typeof executionFamily>>;
const NO_FAMILY: Family = { parentExecutionId: null, children: [] };

/** Its links to the executions its `workflow` steps started, and to the one that started it. */
function familyView(family: Family): Pick<ExecutionOverview, 'parentExecutionId' | 'children'> {
  return {
    parentExecutionId: family.parentExecutionId,
    children: family.children.map((c) => ({ stepKey: c.instanceKey, executionId: c.id, workflowId: c.workflowId, status: c.status as ExecutionStatus })),
  };
}

function usageView(totals: UsageTotals | undefined, tokenBudget: number | null): ExecutionUsage {
  const { inputTokens, outputTokens, costUsd } = totals ?? { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, costUsd, tokenBudget };
}

export function workflowSummaryView(row: DefinitionPage['rows'][number]): WorkflowSummary {
  return { id: row.id, namespace: row.namespace, version: row.version, name: row.name, description: row.description, createdAt: row.createdAt.toISOString() };
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
