import { randomFillSync } from 'node:crypto';
import type ivm from 'isolated-vm';

/** What a realm is opened on: an isolate (a pooled one), and how many compiled functions it may keep. */
export interface RealmHost {
  readonly isolate: ivm.Isolate;
  readonly maxCachedScripts: number;
}

/** How to build a realm: a bootstrap that evaluates to `function (...args) { …; lockdown(); return api; }`. */
export interface RealmSpec {
  source: string;
  filename: string;
  /** Functions of the returned API the host calls. */
  members: readonly string[];
}

/**
 * The one long-lived context of a pooled isolate, locked down by its bootstrap (see
 * `lockdown-source.ts`), and the functions compiled into it.
 *
 * Why one context and not one per run: creating a context costs ~0.45 ms of CPU, six times a whole
 * run of a compiled function in an existing one. What a fresh context gave for free, the lockdown
 * gives instead: every object a run can reach without being handed it is frozen, so no run can leave
 * anything behind for the next one, and what a run is handed (its data, `console`, `setVariable`,
 * `require`, module exports) is made for that run alone. The code itself is compiled once per isolate
 * and kept as a function, called once per run with that run's arguments.
 */
export class Realm {
  /** Names of the module factories defined in this realm (script realms only). */
  readonly modules = new Set<string>();
  private readonly functions = new Map<string, ivm.Reference<unknown>>();

  private constructor(
    private readonly isolate: ivm.Isolate,
    readonly context: ivm.Context,
    private readonly api: Map<string, ivm.Reference<unknown>>,
    private readonly maxFunctions: number,
  ) {}

  /**
   * Creates the context and runs the bootstrap with `args` (transferable values), on the calling
   * thread: realms are opened in sandbox processes, where blocking a few milliseconds costs nothing
   * and the thread hops of isolated-vm's asynchronous calls do.
   */
  static open(pooled: RealmHost, spec: RealmSpec, args: unknown[]): Realm {
    const bootstrap = pooled.isolate.compileScriptSync(spec.source, { filename: spec.filename });
    const context = pooled.isolate.createContextSync();
    try {
      const factory = bootstrap.runSync(context, { reference: true }) as ivm.Reference<unknown>;
      const api = factory.applySync(undefined, args, { result: { reference: true } }) as ivm.Reference<Record<string, unknown>>;
      factory.release();
      const members = new Map<string, ivm.Reference<unknown>>();
      for (const name of spec.members) members.set(name, api.getSync(name, { reference: true }) as ivm.Reference<unknown>);
      api.release();
      return new Realm(pooled.isolate, context, members, pooled.maxCachedScripts);
    } catch (error) {
      if (!pooled.isolate.isDisposed) context.release();
      throw error;
    } finally {
      if (!pooled.isolate.isDisposed) bootstrap.release();
    }
  }

  /** A function of the bootstrap's API. */
  member(name: string): ivm.Reference<unknown> {
    const member = this.api.get(name);
    if (member === undefined) throw new RangeError(`the realm has no member "${name}"`);
    return member;
  }

  /**
   * The function that `wrapped` (a parenthesized function expression around `body`) evaluates to,
   * compiled once and kept in a small LRU under `key`. A syntax error is thrown as isolated-vm reports
   * it (with the position in the message); `check` then rules out a body that parses only because it
   * closes the wrapper early, which would let code run outside the function and keep state in the
   * realm. Only then is the expression evaluated, which defines the function and runs none of it.
   */
  async compile(key: string, wrapped: string, origin: ivm.ScriptOrigin, check: () => void): Promise<ivm.Reference<unknown>> {
    const hit = this.recall(key);
    if (hit !== undefined) return hit;
    const script = await this.isolate.compileScript(wrapped, origin);
    return this.define(key, script, check);
  }

  /** {@link compile} on the calling thread. */
  compileSync(key: string, wrapped: string, origin: ivm.ScriptOrigin, check: () => void): ivm.Reference<unknown> {
    const hit = this.recall(key);
    if (hit !== undefined) return hit;
    return this.define(key, this.isolate.compileScriptSync(wrapped, origin), check);
  }

  private recall(key: string): ivm.Reference<unknown> | undefined {
    const hit = this.functions.get(key);
    if (hit !== undefined) {
      // Re-insert to mark it most recently used (a Map iterates in insertion order).
      this.functions.delete(key);
      this.functions.set(key, hit);
    }
    return hit;
  }

  private define(key: string, script: ivm.Script, check: () => void): ivm.Reference<unknown> {
    try {
      check();
      // The isolate is leased to the caller and idle: a sync run saves a hop, and defines one function.
      const fn = script.runSync(this.context, { reference: true }) as ivm.Reference<unknown>;
      this.functions.set(key, fn);
      if (this.functions.size > this.maxFunctions) {
        const oldest = this.functions.keys().next();
        if (oldest.done !== true) {
          this.functions.get(oldest.value)?.release();
          this.functions.delete(oldest.value);
        }
      }
      return fn;
    } finally {
      script.release();
    }
  }
}

const entropy = new Uint32Array(1024);
let drawn = entropy.length;

/** Four 32-bit seeds for one run's `Math.random`, from the host's CSPRNG (filled 256 runs at a time). */
export function randomSeeds(): number[] {
  if (drawn + 4 > entropy.length) {
    randomFillSync(entropy);
    drawn = 0;
  }
  drawn += 4;
  return Array.from(entropy.subarray(drawn - 4, drawn));
}
