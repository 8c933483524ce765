import { context, isSpanContextValid, trace, type Context } from '@opentelemetry/api';

/**
 * Runs `fn` with a trace context active for `fn`'s synchronous part: an instrumented call it makes
 * (a pg query, a Redis command, an undici request) becomes a child of the context's span. Hot paths
 * hand one down to where such calls are made, since no context follows an `await` (see
 * `ScopeContextManager`).
 */
export type TraceScope = <T>(fn: () => T) => T;

/** The scope of `scope`, a context holding a span. */
export function traceScope(scope: Context): TraceScope {
  return (fn) => context.with(scope, fn);
}

/** `trace_id` and `span_id` of the context's span (OpenTelemetry's log field names), to bind on a logger; empty without a valid span. */
export function traceLogFields(scope: Context): { trace_id?: string; span_id?: string } {
  const span = trace.getSpanContext(scope);
  if (span === undefined || !isSpanContextValid(span)) return {};
  return { trace_id: span.traceId, span_id: span.spanId };
}

interface Queryable {
  query(...args: never[]): unknown;
}

interface PooledClient extends Queryable {
  release(error?: Error | boolean): void;
}

interface PoolLike {
  connect(...args: never[]): unknown;
}

/**
 * The pool, with every query — its own and those of the clients it hands out — made inside
 * `scope`: a pg pool to pass to code that should be traced under a span, without that code knowing.
 * (`pool.query` is a checkout, a query and a release: the query is made here, after the checkout's
 * await, where the scope can reach it.) Promise forms only; the callback forms are left alone.
 */
export function poolInScope<P extends PoolLike>(pool: P, scope: TraceScope): P {
  const connect = (): Promise<PooledClient> => pool.connect() as Promise<PooledClient>;
  return new Proxy(pool, {
    get(target, property) {
      if (property === 'query') {
        return async (...args: never[]) => {
          const client = await connect();
          try {
            const result = await scope(() => client.query(...args));
            client.release();
            return result;
          } catch (error) {
            // As pg-pool does: a client whose query failed is not handed out again.
            client.release(error instanceof Error ? error : true);
            throw error;
          }
        };
      }
      if (property === 'connect')
        return (...args: never[]) => (args.length > 0 ? target.connect(...args) : connect().then((client) => queriesInScope(client, scope)));
      return bound(target, property);
    },
  });
}

function queriesInScope<C extends Queryable>(client: C, scope: TraceScope): C {
  return new Proxy(client, {
    get(target, property) {
      if (property === 'query') return (...args: never[]) => scope(() => target.query(...args));
      return bound(target, property);
    },
  });
}

/** A method is called on the real object (pg's classes keep their state on `this`). */
function bound(target: object, property: string | symbol): unknown {
  const value: unknown = Reflect.get(target, property, target);
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}
