import {
  DEFAULT_CIRCUIT_BREAKER_CONFIG,
  listCircuitBreakers,
  readCircuitBreakerConfig,
  resetCircuitBreaker,
  writeCircuitBreakerConfig,
  type CircuitBreakerConfig,
} from '@agentic-flow/queue';
import type { CircuitBreakerSettings, CircuitBreakersView } from '@agentic-flow/spec';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { parseRequest } from './request-schemas.js';

const MAX_INT = 2_147_483_647;
/** Every field optional: the ones given replace the shared settings; `null` returns a field to each worker's default. */
const ConfigBodySchema = z
  .strictObject({
    failureThreshold: z.number().int().min(1).max(MAX_INT).nullable().optional(),
    timeout: z.number().int().min(0).max(MAX_INT).nullable().optional(),
    halfOpenMaxAttempts: z.number().int().min(1).max(MAX_INT).nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'must set at least one of failureThreshold, timeout, halfOpenMaxAttempts');
const BreakerParamsSchema = z.strictObject({ key: z.string().min(1).max(500) });

export interface CircuitBreakerRouteDeps {
  redis: Redis;
  prefix: string;
}

/**
 * The breakers workers share through Redis: their states and `circuitBreakerConfig`. The settings
 * live in Redis too, so every worker picks a change up within its refresh interval.
 */
export function registerCircuitBreakerRoutes(app: FastifyInstance, deps: CircuitBreakerRouteDeps): void {
  const options = { prefix: deps.prefix };
  const view = async (): Promise<CircuitBreakersView> => {
    const [stored, breakers] = await Promise.all([readCircuitBreakerConfig(deps.redis, options), listCircuitBreakers(deps.redis, options)]);
    return {
      config: settings({ ...DEFAULT_CIRCUIT_BREAKER_CONFIG, ...stored }),
      shared: Object.fromEntries(Object.entries(settings({ ...stored } as CircuitBreakerConfig)).filter(([, v]) => v !== undefined)),
      items: breakers.map((b) => ({
        key: b.key,
        state: b.state,
        failures: b.failures,
        openedAt: b.openedAt === undefined ? null : new Date(b.openedAt).toISOString(),
        halfOpenInFlight: b.halfOpenInFlight,
      })),
    };
  };

  app.get('/v1/circuit-breakers', view);

  app.put('/v1/circuit-breakers/config', async (request) => {
    const body = parseRequest(ConfigBodySchema, request.body, 'body');
    await writeCircuitBreakerConfig(
      deps.redis,
      {
        ...(body.failureThreshold !== undefined ? { failureThreshold: body.failureThreshold } : {}),
        ...(body.timeout !== undefined ? { timeoutMs: body.timeout } : {}),
        ...(body.halfOpenMaxAttempts !== undefined ? { halfOpenMaxAttempts: body.halfOpenMaxAttempts } : {}),
      },
      options,
    );
    return (await view()).config;
  });

  /** Closes a breaker by forgetting its state (an operator who knows the target is back). */
  app.delete('/v1/circuit-breakers/:key', async (request, reply) => {
    const { key } = parseRequest(BreakerParamsSchema, request.params, 'params');
    await resetCircuitBreaker(deps.redis, key, options);
    return reply.code(204).send();
  });
}

function settings(config: CircuitBreakerConfig): CircuitBreakerSettings {
  return { failureThreshold: config.failureThreshold, timeout: config.timeoutMs, halfOpenMaxAttempts: config.halfOpenMaxAttempts };
}
