import {
  countErrors,
  deleteStrategy,
  runInTransactionWithAudit,
  findError,
  listAlerts,
  listErrors,
  listStrategies,
  upsertStrategy,
  type StrategyKey,
} from '@agentic-flow/store';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { resolveError } from '../executions/resolve-error.js';
import type { CoordinatorServices } from '../executions/coordinator-services.js';
import { strategyKeyOf, strategyProblems } from '../workflows/strategy-validation.js';
import { ApiError, validationFailed } from './api-error.js';
import { keysetPage } from './keyset-page.js';
import { alertView, errorStatistics, errorView, strategyView } from './error-views.js';
import {
  AlertsQuerySchema,
  ErrorParamsSchema,
  ErrorStatisticsQuerySchema,
  ListErrorsQuerySchema,
  ResolutionBodySchema,
  StrategyBodySchema,
  StrategyParamsSchema,
  StrategyQuerySchema,
} from './error-schemas.js';
import { namespaceOf } from './request-context.js';
import { parseRequest } from './request-schemas.js';

/**
 * `WorkflowErrorHandler` over HTTP: recovery strategies, recorded errors, their statistics, alerts,
 * each of the request's namespace (`namespaceOf`): strategies registered in one namespace apply to
 * its executions only, and an error of another namespace is not found.
 */
export function registerErrorRoutes(app: FastifyInstance, deps: CoordinatorServices): void {
  /**
   * `registerRecoveryStrategy(stepType | { workflowId, stepId }, strategy)`: `/:stepType` for every
   * workflow of the namespace, `/:stepId?workflowId=…` for one workflow's step; replaces an earlier one.
   */
  app.put('/v1/recovery-strategies/:target', async (request) => {
    const key = strategyKey(request);
    const strategy = parseRequest(StrategyBodySchema, request.body, 'body');
    const problems = await strategyProblems(deps.db, key, strategy);
    if (problems.length > 0) throw validationFailed(problems, 'recovery strategy');
    await runInTransactionWithAudit(deps.db, request.audit?.take(), (tx) => upsertStrategy(tx, key, strategy));
    request.audit?.confirm();
    // This coordinator applies it at once; the others within their refresh interval.
    await deps.strategies.refresh();
    return { namespace: key.namespace, ...(key.workflowId === null ? {} : { workflowId: key.workflowId }), target: key.target, strategy };
  });

  app.get('/v1/recovery-strategies', async (request) => ({ items: (await listStrategies(deps.db, namespaceOf(request))).map(strategyView) }));

  app.delete('/v1/recovery-strategies/:target', async (request, reply) => {
    const key = strategyKey(request);
    await runInTransactionWithAudit(deps.db, request.audit?.take(204), async (tx) => {
      if (!(await deleteStrategy(tx, key))) {
        const what = key.workflowId === null ? `step type "${key.target}"` : `step "${key.target}" of workflow "${key.workflowId}"`;
        throw new ApiError('STRATEGY_NOT_FOUND', `no recovery strategy is registered for ${what}`);
      }
    });
    request.audit?.confirm();
    await deps.strategies.refresh();
    return reply.code(204).send();
  });

  /** `listErrors(filter)`: newest first, keyset-paginated with `cursor`. */
  app.get('/v1/errors', async (request) => {
    const query = parseRequest(ListErrorsQuerySchema, request.query, 'query');
    return keysetPage(await listErrors(deps.db, { ...query, limit: query.limit + 1, namespace: namespaceOf(request) }), query.limit, errorView);
  });

  /** `getErrorStatistics()`: final step failures in [from, to) by step type, code and strategy. */
  app.get('/v1/errors/statistics', async (request) => {
    const { from, to } = parseRequest(ErrorStatisticsQuerySchema, request.query, 'query');
    return errorStatistics(await countErrors(deps.db, namespaceOf(request), from, to), from, to);
  });

  app.get('/v1/errors/:errorId', async (request) => {
    const { errorId } = parseRequest(ErrorParamsSchema, request.params, 'params');
    const row = await findError(deps.db, errorId, namespaceOf(request));
    if (!row) throw new ApiError('ERROR_NOT_FOUND', `error ${errorId} does not exist`);
    return errorView(row);
  });

  /** `resolveError(errorId, resolution)`: continues an execution waiting on an escalated step. */
  app.post('/v1/errors/:errorId/resolve', async (request) => {
    const { errorId } = parseRequest(ErrorParamsSchema, request.params, 'params');
    const resolution = parseRequest(ResolutionBodySchema, request.body, 'body');
    return resolveError(deps, namespaceOf(request), errorId, resolution, request.audit);
  });

  /** `getAlerts({ limit, cursor })`: newest first, keyset-paginated with `cursor`. */
  app.get('/v1/alerts', async (request) => {
    const { limit, cursor } = parseRequest(AlertsQuerySchema, request.query, 'query');
    return keysetPage(await listAlerts(deps.db, namespaceOf(request), limit + 1, cursor), limit, alertView);
  });
}

/** The strategy a `/v1/recovery-strategies/:target[?workflowId=…]` request names; 400 for a bare step id. */
function strategyKey(request: FastifyRequest): StrategyKey {
  const { target } = parseRequest(StrategyParamsSchema, request.params, 'params');
  const { workflowId } = parseRequest(StrategyQuerySchema, request.query, 'query');
  const named = strategyKeyOf(namespaceOf(request), target, workflowId);
  if ('problems' in named) throw validationFailed(named.problems, 'recovery strategy');
  return named.key;
}
