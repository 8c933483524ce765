import {
  executionExists,
  executionFamily,
  findExecution,
  findExecutionOverview,
  findStepRun,
  listExecutions,
  listLogs,
  listStepRunSummaries,
  listStepRuns,
  listTranscripts,
  type Database,
} from '@agentic-flow/store';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './api-error.js';
import { namespaceOf } from './request-context.js';
import { ExecutionParamsSchema, ExecutionReadQuerySchema, ListExecutionsQuerySchema, StepRunParamsSchema, parseRequest } from './request-schemas.js';
import { executionOverviewView, executionSummaryView, executionView, logEntryView, stepRunView, transcriptView } from './views.js';

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
   * Status, variables, usage, escalations and every step run with its error and timings. Outputs
   * (each run's, and `results`) only with `?include=outputs`: a poll stays small however much the
   * steps returned, and its reads do not even select them.
   */
  app.get('/v1/executions/:executionId', async (request) => {
    const namespace = namespaceOf(request);
    const { executionId } = parseRequest(ExecutionParamsSchema, request.params, 'params');
    const { include } = parseRequest(ExecutionReadQuerySchema, request.query, 'query');
    if (include.includes('outputs')) {
      const [row, steps, family] = await deps.db.transaction(async (tx) => {
        const found = await findExecution(tx, executionId, namespace);
        return [found, found ? await listStepRuns(tx, executionId) : [], found ? await executionFamily(tx, executionId) : undefined] as const;
      }, SNAPSHOT);
      if (!row) throw executionNotFound(executionId);
      return executionView(row, steps, family);
    }
    const [row, steps, family] = await deps.db.transaction(async (tx) => {
      const found = await findExecutionOverview(tx, executionId, namespace);
      return [found, found ? await listStepRunSummaries(tx, executionId) : [], found ? await executionFamily(tx, executionId) : undefined] as const;
    }, SNAPSHOT);
    if (!row) throw executionNotFound(executionId);
    return executionOverviewView(row, steps, family);
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

function executionNotFound(executionId: string): ApiError {
  return new ApiError('EXECUTION_NOT_FOUND', `execution ${executionId} does not exist`);
}
