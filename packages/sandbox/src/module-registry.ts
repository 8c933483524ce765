import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { BUILTIN_MODULES, type BuiltinModule } from './builtin-modules.js';
import { bundleCommonJs } from './commonjs-bundle.js';
import { wrapModule } from './script-bootstrap.js';

/** Options of {@link ModuleRegistry}. */
export interface ModuleRegistryOptions {
  /**
   * Extra modules, name → CommonJS source text. The source runs inside the isolate with `module`,
   * `exports` and `require` in scope, so it must not need Node built-ins. A name given here replaces
   * a built-in module of the same name.
   */
  modules?: Record<string, string>;
  /** Ship the built-in modules ({@link BUILTIN_MODULES}). Default `true`. */
  builtins?: boolean;
}

const requireFromHere = createRequire(import.meta.url);

/**
 * Built-ins are read from disk on first use, not at import time, so a worker that never runs a script
 * never pays for them. `lodash.min.js` is a self-contained CommonJS/UMD bundle with no dependencies.
 * `uuid` (v1 to v7, `validate`, `parse`…) is its browser build, whose files are bundled into one
 * source; it draws random bytes from `crypto.getRandomValues`, which the sandbox gives every module
 * over the host's CSPRNG (`wrapModule`), never from `Math.random`.
 */
const BUILTINS: Readonly<Record<BuiltinModule, () => string>> = {
  lodash: () => readFileSync(requireFromHere.resolve('lodash/lodash.min.js'), 'utf8'),
  uuid: () => bundleCommonJs(join(dirname(requireFromHere.resolve('uuid/package.json')), 'dist', 'commonjs-browser'), 'index.js'),
};

export { BUILTIN_MODULES };

/**
 * The operator's allowlist of modules a script may `require`: name → CommonJS source evaluated inside
 * the isolate. A step can only use a module that it requests (`allowedModules`) *and* that is here.
 *
 * @example
 * ```ts
 * const registry = new ModuleRegistry({ modules: { slug: 'module.exports = (s) => s.toLowerCase().replace(/\\W+/g, "-");' } });
 * registry.names(); // ['lodash', 'slug', 'uuid']
 * ```
 */
export class ModuleRegistry {
  private readonly loaders = new Map<string, () => string>();
  private readonly sources = new Map<string, string>();

  constructor(options: ModuleRegistryOptions = {}) {
    if (options.builtins ?? true) {
      for (const [name, load] of Object.entries(BUILTINS)) this.loaders.set(name, load);
    }
    for (const [name, source] of Object.entries(options.modules ?? {})) {
      if (name.length === 0) throw new TypeError('a module name must not be empty');
      checkSyntax(name, source);
      this.loaders.set(name, () => source);
    }
  }

  /** True when `name` is registered. */
  has(name: string): boolean {
    return this.loaders.has(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.loaders.keys()].sort();
  }

  /** The CommonJS source of `name`; throws for an unregistered name (check {@link has} first). */
  source(name: string): string {
    let source = this.sources.get(name);
    if (source === undefined) {
      const load = this.loaders.get(name);
      if (load === undefined) throw new RangeError(`module "${name}" is not registered`);
      source = load();
      this.sources.set(name, source);
    }
    return source;
  }
}

/**
 * Fails at startup, not on the first script that needs it, when an operator's module does not parse.
 * `vm.Script` only compiles here; nothing runs in the host.
 */
function checkSyntax(name: string, source: string): void {
  try {
    new Script(wrapModule(source), { filename: `module:${name}` });
  } catch (error) {
    throw new SyntaxError(`module "${name}" does not parse: ${error instanceof Error ? error.message : String(error)}`);
  }
}
