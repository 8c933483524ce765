import {
  executionExists,
  executionFamily,
  findExecution,
  findExecutionNodes,
  findExecutionOverview,
  findStepRun,
  listExecutions,
  listLogs,
  listTranscripts,
  pageStepRunSummaries,
  pageStepRuns,
  InvalidCursorError,
  type Database,
  type StepRunPageOptions,
} from '@agentic-flow/store';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './api-error.js';
import { namespaceOf } from './request-context.js';
import { ExecutionParamsSchema, ExecutionReadQuerySchema, ListExecutionsQuerySchema, StepRunParamsSchema, parseRequest } from './request-schemas.js';
import {
  executionOverviewView,
  executionSummaryView,
  executionView,
  isWholeRead,
  logEntryView,
  pageResultKeys,
  pagedExecutionView,
  stepRunView,
  transcriptView,
} from './views.js';

const TranscriptQuerySchema = z.strictObject({ stepRunId: z.string().uuid('must be a step run id (a UUID)').optional() });
// One snapshot for an execution and its runs: a transition committing between the two reads must
// not show a completed execution whose last step still looks queued.
const SNAPSHOT = { isolationLevel: 'repeatable read', accessMode: 'read only' } as const;

/**
 * Reads of the request's namespace: an execution of another namespace, and everything under it, is
 * answered exactly as one that does not exist. The namespace is part of each query already made.
 */
export function registerExecutionRoutes(app: FastifyInstance, deps: { db: Database }): void {
  /**
   * Status, variables, usage, escalations and a page of step runs (`stepsLimit`, default and at
   * most 1000, then `stepsCursor`) with their errors and timings. Outputs (each run's, and
   * `results`) only with `?include=outputs`: a poll stays small however much the steps returned,
   * and its reads do not even select them.
   */
  app.get('/v1/executions/:executionId', async (request) => {
    const namespace = namespaceOf(request);
    const { executionId } = parseRequest(ExecutionParamsSchema, request.params, 'params');
    const { include, stepsLimit, stepsCursor } = parseRequest(ExecutionReadQuerySchema, request.query, 'query');
    const page: StepRunPageOptions = { limit: stepsLimit, ...(stepsCursor === undefined ? {} : { cursor: stepsCursor }) };
    const fromCursor = stepsCursor !== undefined;
    if (include.includes('outputs')) {
      // The page first: a page of a large execution then reads its own nodes, not the whole state.
      const view = await withStepsCursor(() =>
        deps.db.transaction(async (tx) => {
          const steps = { ...(await pageStepRuns(tx, executionId, page)), fromCursor };
          if (isWholeRead(steps)) {
            const found = await findExecution(tx, executionId, namespace);
            return found && executionView(found, steps, await executionFamily(tx, executionId));
          }
          const found = await findExecutionOverview(tx, executionId, namespace);
          if (!found) return undefined;
          const nodes = await findExecutionNodes(tx, executionId, pageResultKeys(steps));
          return pagedExecutionView(found, steps, nodes, await executionFamily(tx, executionId));
        }, SNAPSHOT),
      );
      if (!view) throw executionNotFound(executionId);
      return view;
    }
    const [row, steps, family] = await withStepsCursor(() =>
      deps.db.transaction(async (tx) => {
        const found = await findExecutionOverview(tx, executionId, namespace);
        if (!found) return [undefined, undefined, undefined] as const;
        return [found, await pageStepRunSummaries(tx, executionId, page), await executionFamily(tx, executionId)] as const;
      }, SNAPSHOT),
    );
    if (!row) throw executionNotFound(executionId);
    return executionOverviewView(row, { ...steps, fromCursor }, family);
  });

  /** One step run with its output. */
  app.get('/v1/executions/:executionId/steps/:stepRunId', async (request) => {
    const { executionId, stepRunId } = parseRequest(StepRunParamsSchema, request.params, 'params');
    const namespace = namespaceOf(request);
    const run = await findStepRun(deps.db, executionId, stepRunId, namespace);
    if (run) return stepRunView(run);
    // Rare: only now tell a missing execution from a run of another one.
    if (!(await executionExists(deps.db, executionId, namespace))) throw executionNotFound(executionId);
    throw new ApiError('STEP_RUN_NOT_FOUND', `execution ${executionId} has no step run ${stepRunId}`);
  });

  /** Log lines of the execution's steps (`console.*` of scripts, executor warnings), oldest first. */
  app.get('/v1/executions/:executionId/logs', async (request) => {
    const { executionId } = parseRequest(ExecutionParamsSchema, request.params, 'params');
    // Side by side: the lines of an execution found missing (or of another namespace) are dropped unseen.
    const [exists, logs] = await Promise.all([executionExists(deps.db, executionId, namespaceOf(request)), listLogs(deps.db, executionId)]);
    if (!exists) throw executionNotFound(executionId);
    return { items: logs.map(logEntryView) };
  });

  /** Agent step runs' conversations: messages, tool calls, tool results, usage; one run's with `stepRunId`. */
  app.get('/v1/executions/:executionId/transcripts', async (request) => {
    const { executionId } = parseRequest(ExecutionParamsSchema, request.params, 'params');
    const { stepRunId } = parseRequest(TranscriptQuerySchema, request.query, 'query');
    const [exists, transcripts] = await Promise.all([
      executionExists(deps.db, executionId, namespaceOf(request)),
      listTranscripts(deps.db, executionId, stepRunId),
    ]);
    if (!exists) throw executionNotFound(executionId);
    return { items: transcripts.map(transcriptView) };
  });

  /** The namespace's executions, newest first, filtered by workflow and status, keyset-paginated with `cursor`. */
  app.get('/v1/executions', async (request) => {
    const query = parseRequest(ListExecutionsQuerySchema, request.query, 'query');
    const page = await listExecutions(deps.db, {
      namespace: namespaceOf(request),
      limit: query.limit,
      ...(query.workflowId === undefined ? {} : { workflowId: query.workflowId }),
      ...(query.status === undefined ? {} : { statuses: query.status }),
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    });
    return { items: page.rows.map(executionSummaryView), nextCursor: page.nextCursor };
  });
}

/**
 * The store's InvalidCursorError names `cursor`, the lists' parameter; here it is `stepsCursor`
 * (malformed, forged, or another execution's).
 */
async function withStepsCursor<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof InvalidCursorError)) throw error;
    const message = "stepsCursor is not one this API returned for this execution; pass a response's nextStepsCursor as it is";
    throw new ApiError('INVALID_CURSOR', message, [{ path: '$.query.stepsCursor', message }]);
  }
}

function executionNotFound(executionId: string): ApiError {
  return new ApiError('EXECUTION_NOT_FOUND', `execution ${executionId} does not exist`);
}
