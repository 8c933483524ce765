import { executionExists, listSnapshots, runInTransactionWithAudit, setSnapshotInterval, snapshotExecution } from '@agentic-flow/store';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { changeExecution } from '../executions/lifecycle.js';
import type { CoordinatorServices } from '../executions/coordinator-services.js';
import { ApiError } from './api-error.js';
import { namespaceOf } from './request-context.js';
import { ExecutionParamsSchema, parseRequest } from './request-schemas.js';

const SnapshotParamsSchema = z.strictObject({
  executionId: z.string().uuid('must be an execution id (a UUID)'),
  snapshotId: z.string().uuid('must be a snapshot id (a UUID)'),
});
const AutoSnapshotBodySchema = z.strictObject({
  /** Milliseconds between automatic snapshots while the execution runs; null turns them off. */
  intervalMs: z.number().int().min(1000, 'must be at least 1000 ms').max(2_147_483_647).nullable(),
});

/** Lifecycle and snapshots of the request's namespace's executions; another namespace's are not found. */
export function registerLifecycleRoutes(app: FastifyInstance, deps: CoordinatorServices): void {
  for (const type of ['pause', 'resume', 'cancel'] as const) {
    app.post(`/v1/executions/:executionId/${type}`, async (request) => {
      const { executionId } = parseRequest(ExecutionParamsSchema, request.params, 'params');
      return changeExecution(deps, namespaceOf(request), executionId, { type }, request.audit);
    });
  }

  /** A manual snapshot of the execution's current state. */
  app.post('/v1/executions/:executionId/snapshots', async (request, reply) => {
    const { executionId } = parseRequest(ExecutionParamsSchema, request.params, 'params');
    const snapshot = await runInTransactionWithAudit(deps.db, request.audit?.take(201), async (tx) => {
      const made = await snapshotExecution(tx, executionId, 'manual', namespaceOf(request));
      if (!made) throw new ApiError('EXECUTION_NOT_FOUND', `execution ${executionId} does not exist`);
      return made;
    });
    request.audit?.confirm();
    return reply.code(201).send(snapshotView(snapshot));
  });

  app.get('/v1/executions/:executionId/snapshots', async (request) => {
    const { executionId } = parseRequest(ExecutionParamsSchema, request.params, 'params');
    const [exists, snapshots] = await Promise.all([executionExists(deps.db, executionId, namespaceOf(request)), listSnapshots(deps.db, executionId)]);
    if (!exists) throw new ApiError('EXECUTION_NOT_FOUND', `execution ${executionId} does not exist`);
    return { items: snapshots.map(snapshotView) };
  });

  /** Puts the execution back to the snapshot's state and continues from there. */
  app.post('/v1/executions/:executionId/snapshots/:snapshotId/restore', async (request) => {
    const { executionId, snapshotId } = parseRequest(SnapshotParamsSchema, request.params, 'params');
    return changeExecution(deps, namespaceOf(request), executionId, { type: 'restore', snapshotId }, request.audit);
  });

  /** `enableAutoSnapshots(executionId, interval)`. */
  app.put('/v1/executions/:executionId/auto-snapshots', async (request) => {
    const { executionId } = parseRequest(ExecutionParamsSchema, request.params, 'params');
    const { intervalMs } = parseRequest(AutoSnapshotBodySchema, request.body, 'body');
    await runInTransactionWithAudit(deps.db, request.audit?.take(), async (tx) => {
      if (!(await setSnapshotInterval(tx, executionId, intervalMs, namespaceOf(request))))
        throw new ApiError('EXECUTION_NOT_FOUND', `execution ${executionId} does not exist`);
    });
    request.audit?.confirm();
    return { executionId, intervalMs };
  });
}

function snapshotView(s: { id: string; executionId: string; kind: string; status: string; createdAt: Date }) {
  return { id: s.id, executionId: s.executionId, kind: s.kind, status: s.status, createdAt: s.createdAt.toISOString() };
}
