import { WORK_STEP_TYPES, type DeadLetterEntry, type DeadLetterSummary } from '@agentic-flow/spec';
import { findExecution } from '@agentic-flow/store';
import { DeadLetterQueue, type DeadLetter } from '@agentic-flow/queue';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { retryDeadLetter } from '../executions/dead-letter-retry.js';
import type { TransitionDeps } from '../executions/transition-deps.js';
import { ApiError } from './api-error.js';
import { parseRequest } from './request-schemas.js';

const PageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
const LetterParamsSchema = z.strictObject({ stepType: z.enum(WORK_STEP_TYPES), jobId: z.string().min(1).max(200) });

/** `getDeadLetterQueue()` and what can be done with an entry: inspect, retry, discard. */
export function registerDeadLetterRoutes(app: FastifyInstance, deps: TransitionDeps): void {
  const dlq = new DeadLetterQueue(deps.queues, WORK_STEP_TYPES);

  app.get('/v1/dead-letter', async (request) => {
    const { limit, offset } = parseRequest(PageQuerySchema, request.query, 'query');
    const { items, total } = await dlq.page(offset, limit);
    return { items: items.map(summaryView), total, offset, limit };
  });

  app.get('/v1/dead-letter/:stepType/:jobId', async (request) => {
    const { stepType, jobId } = parseRequest(LetterParamsSchema, request.params, 'params');
    const letter = await dlq.find(stepType, jobId);
    if (!letter) throw notFound(stepType, jobId);
    // A payload too broken to name an execution has none; a database failure stays a 503.
    const executionId = z.uuid().safeParse(letter.job.data.executionId);
    const execution = executionId.success ? await findExecution(deps.db, executionId.data) : undefined;
    const entry: DeadLetterEntry = {
      ...summaryView(letter),
      workflowId: letter.job.data.workflowId,
      workflowVersion: letter.job.data.workflowVersion,
      payload: { config: letter.job.data.config, ...(letter.job.data.context ? { context: letter.job.data.context } : {}) },
      stacktrace: letter.job.stacktrace ?? [],
      executionStatus: execution?.status ?? null,
    };
    return entry;
  });

  app.post('/v1/dead-letter/:stepType/:jobId/retry', async (request) => {
    const { stepType, jobId } = parseRequest(LetterParamsSchema, request.params, 'params');
    return retryDeadLetter(deps, dlq, stepType, jobId);
  });

  app.delete('/v1/dead-letter/:stepType/:jobId', async (request, reply) => {
    const { stepType, jobId } = parseRequest(LetterParamsSchema, request.params, 'params');
    if (!(await dlq.discard(stepType, jobId))) throw notFound(stepType, jobId);
    return reply.code(204).send();
  });
}

function notFound(stepType: string, jobId: string): ApiError {
  return new ApiError('DEAD_LETTER_NOT_FOUND', `the dead letter queue has no ${stepType} job ${jobId}`);
}

function summaryView({ stepType, job }: DeadLetter): DeadLetterSummary {
  return {
    jobId: job.id!,
    stepType,
    stepId: job.data.stepId,
    executionId: job.data.executionId,
    instanceKey: job.data.instanceKey,
    attempt: job.data.attempt,
    failedReason: job.failedReason ?? '',
    attemptsMade: job.attemptsMade,
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}
