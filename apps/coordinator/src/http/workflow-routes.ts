import { listDefinitions } from '@agentic-flow/store';
import type { FastifyInstance } from 'fastify';
import { startIdempotently } from '../executions/idempotent-start.js';
import type { CoordinatorServices } from '../executions/coordinator-services.js';
import { idempotencyKeyOf } from './idempotency-key-header.js';
import { namespaceOf } from './request-context.js';
import { ExecuteBodySchema, ListWorkflowsQuerySchema, WorkflowParamsSchema, WorkflowVersionParamsSchema, parseRequest } from './request-schemas.js';
import { workflowSummaryView } from './views.js';

export type WorkflowRoutesDeps = CoordinatorServices;

/** Workflows of the request's namespace: registered into it, listed and found in it, executed there. */
export function registerWorkflowRoutes(app: FastifyInstance, deps: WorkflowRoutesDeps): void {
  /**
   * Register a definition, as JSON or YAML (the body gate has parsed either). 201 new, 200
   * identical, 409 same version with other content.
   */
  app.post('/v1/workflows', { config: { bodyIsDocument: true } }, async (request, reply) => {
    const { id, version, outcome } = await deps.registry.register(namespaceOf(request), request.body, request.audit);
    return reply.code(outcome === 'created' ? 201 : 200).send({ id, version, created: outcome === 'created' });
  });

  app.get('/v1/workflows', async (request) => {
    const query = parseRequest(ListWorkflowsQuerySchema, request.query, 'query');
    const page = await listDefinitions(deps.db, { ...query, namespace: namespaceOf(request) });
    return { items: page.rows.map(workflowSummaryView), nextCursor: page.nextCursor };
  });

  app.get('/v1/workflows/:workflowId', async (request) => {
    const { workflowId } = parseRequest(WorkflowParamsSchema, request.params, 'params');
    const row = await deps.registry.find(namespaceOf(request), workflowId);
    return { ...(row.definition as object), namespace: row.namespace, createdAt: row.createdAt.toISOString() };
  });

  app.get('/v1/workflows/:workflowId/versions/:version', async (request) => {
    const { workflowId, version } = parseRequest(WorkflowVersionParamsSchema, request.params, 'params');
    const row = await deps.registry.find(namespaceOf(request), workflowId, version);
    return { ...(row.definition as object), namespace: row.namespace, createdAt: row.createdAt.toISOString() };
  });

  /**
   * Start an execution of the latest (or the given) version with variables over the defaults: 201.
   * With an `Idempotency-Key` seen in the last 24 hours (in this namespace) for the same request:
   * 200 with the first start's execution, `Idempotent-Replayed: true`, and nothing started; for a
   * different request, 409 `IDEMPOTENCY_CONFLICT`.
   */
  app.post('/v1/workflows/:workflowId/executions', async (request, reply) => {
    const { workflowId } = parseRequest(WorkflowParamsSchema, request.params, 'params');
    const key = idempotencyKeyOf(request.headers);
    const body = parseRequest(ExecuteBodySchema, request.body, 'body');
    const { replayed, ...result } = await startIdempotently(
      deps,
      namespaceOf(request),
      workflowId,
      {
        variables: body.variables,
        ...(body.version === undefined ? {} : { version: body.version }),
        ...(body.tokenBudget === undefined ? {} : { tokenBudget: body.tokenBudget }),
      },
      key,
      request.audit,
    );
    if (replayed) reply.header('idempotent-replayed', 'true');
    return reply
      .code(replayed ? 200 : 201)
      .header('location', `/v1/executions/${result.executionId}`)
      .send(result);
  });
}
