import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

/**
 * The active context is the one the innermost `context.with` set, for that call's synchronous
 * part only: nothing follows a promise or a timer. OpenTelemetry's Node context manager is an
 * `AsyncLocalStorage`, which on Node 20 turns on async hooks for every promise in the process —
 * BullMQ, ioredis and pg make dozens per step —, a cost paid with tracing on whether an execution
 * is sampled or not (bench/analysis.md, "What observability costs per step"). Here the hot paths
 * hand their trace context down instead (`TraceScope`), and the pg, ioredis and undici
 * instrumentations, which read the active context when a call is made, still parent their spans
 * under it.
 */
export class ScopeContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;

  active(): Context {
    return this.current;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(scope: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const previous = this.current;
    this.current = scope;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
    }
  }

  /** Binds functions (a callback runs in `scope`); other targets, event emitters included, are returned as they are. */
  bind<T>(scope: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const manager = this;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(scope, () => fn.apply(this, args));
    } as unknown as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}
