import { WORK_STEP_TYPES, type DeadLetterEntry, type DeadLetterSummary } from '@agentic-flow/spec';
import { findExecution } from '@agentic-flow/store';
import { DeadLetterQueue, type DeadLetter } from '@agentic-flow/queue';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { deadLetterNamespaces, deadLetterNotFound, findDeadLetter, retryDeadLetter } from '../executions/dead-letter-retry.js';
import type { CoordinatorServices } from '../executions/coordinator-services.js';
import { namespaceOf } from './request-context.js';
import { parseRequest } from './request-schemas.js';

const PageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
const LetterParamsSchema = z.strictObject({ stepType: z.enum(WORK_STEP_TYPES), jobId: z.string().min(1).max(200) });

/**
 * `getDeadLetterQueue()` and what can be done with an entry: inspect, retry, discard. A job
 * belongs to its execution's namespace: a request sees and acts on its namespace's only.
 */
export function registerDeadLetterRoutes(app: FastifyInstance, deps: CoordinatorServices): void {
  const dlq = new DeadLetterQueue(deps.queues, WORK_STEP_TYPES);

  /** Placing every entry takes the failed sets' ids (one read per step type) and one query; only the page's jobs are loaded. */
  app.get('/v1/dead-letter', async (request) => {
    const namespace = namespaceOf(request);
    const { limit, offset } = parseRequest(PageQuerySchema, request.query, 'query');
    const refs = await dlq.entries();
    const namespaceOfJob = await deadLetterNamespaces(
      deps,
      refs.map((ref) => ref.jobId),
    );
    const mine = refs.filter((ref) => namespaceOfJob(ref.jobId) === namespace);
    const items = await dlq.load(mine.slice(offset, offset + limit));
    return { items: items.map(summaryView), total: mine.length, offset, limit };
  });

  app.get('/v1/dead-letter/:stepType/:jobId', async (request) => {
    const namespace = namespaceOf(request);
    const { stepType, jobId } = parseRequest(LetterParamsSchema, request.params, 'params');
    const letter = await findDeadLetter(deps, dlq, namespace, stepType, jobId);
    if (!letter) throw deadLetterNotFound(stepType, jobId);
    // A payload too broken to name an execution has none; a database failure stays a 503.
    const executionId = z.uuid().safeParse(letter.job.data.executionId);
    const execution = executionId.success ? await findExecution(deps.db, executionId.data, namespace) : undefined;
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
    return retryDeadLetter(deps, dlq, namespaceOf(request), stepType, jobId, request.audit);
  });

  app.delete('/v1/dead-letter/:stepType/:jobId', async (request, reply) => {
    const { stepType, jobId } = parseRequest(LetterParamsSchema, request.params, 'params');
    const letter = await findDeadLetter(deps, dlq, namespaceOf(request), stepType, jobId);
    if (!letter) throw deadLetterNotFound(stepType, jobId);
    // Gone meanwhile (another discard, a retry): as absent as if it had never been there.
    if (!(await dlq.discard(stepType, jobId))) throw deadLetterNotFound(stepType, jobId);
    return reply.code(204).send();
  });
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
