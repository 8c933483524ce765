import { findExecution, listExecutions, listLogs, listStepRuns, listTranscripts, type Database } from '@agentic-flow/store';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './api-error.js';
import { ExecutionParamsSchema, ListExecutionsQuerySchema, parseRequest } from './request-schemas.js';
import { executionSummaryView, executionView, logEntryView, transcriptView } from './views.js';

const TranscriptQuerySchema = z.strictObject({ stepRunId: z.string().uuid('must be a step run id (a UUID)').optional() });

export function registerExecutionRoutes(app: FastifyInstance, deps: { db: Database }): void {
  /** Status, variables, results and every step run with its output, error and timings. */
  app.get('/v1/executions/:executionId', async (request) => {
    const { executionId } = parseRequest(ExecutionParamsSchema, request.params, 'params');
    // One snapshot for both reads: a transition committing between them must not show a completed
    // execution whose last step still looks queued.
    const [row, steps] = await deps.db.transaction(async (tx) => [await findExecution(tx, executionId), await listStepRuns(tx, executionId)] as const, {
      isolationLevel: 'repeatable read',
      accessMode: 'read only',
    });
    if (!row) throw new ApiError('EXECUTION_NOT_FOUND', `execution ${executionId} does not exist`);
    return executionView(row, steps);
  });

  /** Log lines of the execution's steps (`console.*` of scripts, executor warnings), oldest first. */
  app.get('/v1/executions/:executionId/logs', async (request) => {
    const { executionId } = parseRequest(ExecutionParamsSchema, request.params, 'params');
    const [row, logs] = await Promise.all([findExecution(deps.db, executionId), listLogs(deps.db, executionId)]);
    if (!row) throw new ApiError('EXECUTION_NOT_FOUND', `execution ${executionId} does not exist`);
    return { items: logs.map(logEntryView) };
  });

  /** Agent step runs' conversations: messages, tool calls, tool results, usage; one run's with `stepRunId`. */
  app.get('/v1/executions/:executionId/transcripts', async (request) => {
    const { executionId } = parseRequest(ExecutionParamsSchema, request.params, 'params');
    const { stepRunId } = parseRequest(TranscriptQuerySchema, request.query, 'query');
    const [row, transcripts] = await Promise.all([findExecution(deps.db, executionId), listTranscripts(deps.db, executionId, stepRunId)]);
    if (!row) throw new ApiError('EXECUTION_NOT_FOUND', `execution ${executionId} does not exist`);
    return { items: transcripts.map(transcriptView) };
  });

  /** Newest first, filtered by workflow and status, keyset-paginated with `cursor`. */
  app.get('/v1/executions', async (request) => {
    const query = parseRequest(ListExecutionsQuerySchema, request.query, 'query');
    const page = await listExecutions(deps.db, {
      limit: query.limit,
      ...(query.workflowId === undefined ? {} : { workflowId: query.workflowId }),
      ...(query.status === undefined ? {} : { statuses: query.status }),
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    });
    return { items: page.rows.map(executionSummaryView), nextCursor: page.nextCursor };
  });
}
