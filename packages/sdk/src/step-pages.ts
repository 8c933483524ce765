import type { ExecutionOverview, ExecutionView, StepRunSummary } from '@agentic-flow/spec';

/** Reads one page of an execution: the first without a cursor, then the one after `stepsCursor`. */
export type ExecutionPageRead<T extends ExecutionOverview> = (stepsCursor: string | undefined) => Promise<T>;

/**
 * The execution with every run, read page by page and put together as one answer: what the waiter
 * needs (`onStep` sees every run, `result()` every step's result), as reads gave before
 * `GET /v1/executions/:id` answered pages. `results` of a page cover its runs' steps, so their union
 * is the whole map. The execution's own fields are the first page's.
 */
export async function wholeExecution<T extends ExecutionOverview>(read: ExecutionPageRead<T>): Promise<T> {
  const first = await read(undefined);
  // A coordinator older than pages sends no cursor: its answer is whole already.
  if (first.nextStepsCursor == null) return first;
  const steps: StepRunSummary[] = [...first.steps];
  const results: Record<string, unknown> | undefined = 'results' in first ? { ...(first as unknown as ExecutionView).results } : undefined;
  for (let cursor: string | null = first.nextStepsCursor; cursor !== null; ) {
    const page = await read(cursor);
    steps.push(...page.steps);
    if (results) Object.assign(results, (page as unknown as ExecutionView).results);
    cursor = page.nextStepsCursor ?? null;
  }
  return { ...first, steps, ...(results ? { results } : {}), nextStepsCursor: null };
}

/** Every run of the pages `read` answers, one page per request, in queue order. */
export async function* stepRunsOf(read: ExecutionPageRead<ExecutionOverview>): AsyncGenerator<StepRunSummary, void, undefined> {
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    yield* page.steps;
    cursor = page.nextStepsCursor ?? undefined;
  } while (cursor !== undefined);
}
