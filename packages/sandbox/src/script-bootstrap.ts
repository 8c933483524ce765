import { INSPECT_SOURCE } from './inspect-source.js';

/** File names the isolate reports in stack traces; the runner reads user line numbers from them. */
export const SCRIPT_FILENAME = 'script.js';
export const BOOTSTRAP_FILENAME = 'sandbox:bootstrap';
export const moduleFilename = (name: string): string => `module:${name}`;

/** What the host hands the bootstrap (as `__afSetup`), copied into the isolate. */
export interface BootstrapSetup {
  /** `{ results, variables, input, execution }` as JSON: parsed inside, so every run gets deep copies. */
  globals: string;
  requested: string[];
  registered: string[];
  maxLogEntries: number;
  maxLogLength: number;
  maxOutputChars: number;
}

/** What the user script's promise settles to, copied out of the isolate. */
export type ScriptEnvelope =
  | { ok: true; json: string; variables: Array<[string, string]>; dropped: number }
  | { ok: false; code: string; message: string; name?: string; stack?: string; dropped: number };

/**
 * The user's code becomes the body of an async function. The opening line is a line of its own and
 * is compiled with `lineOffset: -1`, so line N of the user's code is line N in stack traces.
 */
export function wrapUserCode(code: string): string {
  return `__afRun(async function () {\n${code}\n});`;
}

/**
 * Defines a module inside a fresh context without running it: evaluation happens on the first
 * `require`, so requesting a module costs little until it is used.
 */
export function wrapModule(name: string, source: string): string {
  return `(globalThis.__afModules ??= Object.create(null))[${JSON.stringify(name)}] = function (exports, require, module, __filename, __dirname) {\n${source}\n};`;
}

/**
 * Runs once per context, after the module definitions and before the user's script. It takes the
 * host's hand-offs (`__afSetup`, `__afLog`, `__afModules`) off the global object, so the script sees
 * only `results`, `variables`, `input`, `execution`, `console`, `setVariable` and `require`, and it
 * defines `__afRun`, which the wrapped script calls once (and which deletes itself).
 */
export const SCRIPT_BOOTSTRAP = String.raw`(function () {
'use strict';
const g = globalThis;
const setup = g.__afSetup, hostLog = g.__afLog, definitions = g.__afModules || Object.create(null);
delete g.__afSetup; delete g.__afLog; delete g.__afModules;
// Captured now: the user's code may replace JSON or Date before the result is serialized.
const stringify = JSON.stringify, parse = JSON.parse, now = Date.now, BuiltinError = Error;
const DENIED = Symbol('moduleNotAllowed'), UNSERIALIZABLE = Symbol('notSerializable');
${INSPECT_SOURCE}
let logged = 0, dropped = 0;
function emit(level, args) {
  if (logged >= setup.maxLogEntries) { dropped++; return; }
  logged++;
  let message;
  try { message = args.map((a) => inspect(a)).join(' '); } catch (e) { message = '[unprintable log message]'; }
  if (message.length > setup.maxLogLength) {
    message = message.slice(0, setup.maxLogLength) + '... (' + (message.length - setup.maxLogLength) + ' more characters)';
  }
  hostLog(level, message, now());
}
const console = {
  log: (...a) => emit('info', a), info: (...a) => emit('info', a), warn: (...a) => emit('warn', a),
  error: (...a) => emit('error', a), debug: (...a) => emit('debug', a), trace: (...a) => emit('debug', a),
};

function toJson(value, what) {
  let json;
  try { json = stringify(value === undefined ? null : value); } catch (e) { json = e; }
  if (typeof json === 'string') return json;
  // V8 explains a cycle over several indented lines; one line reads better in a log.
  const why = json === undefined ? 'a ' + typeof value : String((json && json.message) || json).replace(/\s*\n\s*/g, ' ');
  const error = new TypeError(what + ' is not JSON-serializable (' + why + ')');
  error[UNSERIALIZABLE] = true;
  throw error;
}

const updates = new Map();
function setVariable(name, value) {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('setVariable(name, value): name must be a non-empty string');
  updates.set(name, toJson(value, 'variable "' + name + '"'));
}

const requested = new Set(setup.requested), registered = new Set(setup.registered), loaded = new Map();
function require(name) {
  if (typeof name !== 'string') throw new TypeError('require(name): name must be a string');
  const cached = loaded.get(name);
  if (cached) return cached.exports;
  const define = definitions[name];
  if (!requested.has(name) || typeof define !== 'function') {
    const why = registered.has(name) ? "add it to the step's allowedModules" : "it is not in the operator's module registry";
    const error = new Error('module "' + name + '" is not allowed: ' + why);
    error[DENIED] = true;
    throw error;
  }
  const module = { exports: {} };
  loaded.set(name, module);
  define.call(module.exports, module.exports, require, module, name, '/');
  return module.exports;
}

const scope = parse(setup.globals);
for (const key of ['results', 'variables', 'input', 'execution']) g[key] = scope[key] === undefined ? {} : scope[key];
g.loop = scope.loop;
g.console = console;
g.setVariable = setVariable;
g.require = require;

function failure(error) {
  let code = 'SCRIPT_ERROR', message, name, stack;
  try {
    // A thrown Proxy can throw again on any property read: every read of the error is guarded.
    const tagged = error !== null && (typeof error === 'object' || typeof error === 'function');
    if (tagged && error[DENIED] === true) code = 'MODULE_NOT_ALLOWED';
    else if (tagged && error[UNSERIALIZABLE] === true) code = 'OUTPUT_NOT_SERIALIZABLE';
    const isError = error instanceof BuiltinError;
    message = isError ? String(error.message) : inspect(error);
    if (message.length > setup.maxLogLength) message = message.slice(0, setup.maxLogLength) + '...';
    name = isError ? String(error.name) : undefined;
    stack = isError && typeof error.stack === 'string' ? error.stack : undefined;
  } catch (e) { message = 'the script threw a value that cannot be described'; }
  return { ok: false, code, message, name, stack, dropped };
}

// Whatever the script did to the built-ins, the host gets an envelope, never an exception that would
// look like the sandbox failing.
async function run(fn) {
  try { return await settle(fn); } catch (e) { return { ok: false, code: 'SCRIPT_ERROR', message: 'the script broke the sandbox runtime', dropped }; }
}

async function settle(fn) {
  let value;
  try { value = await fn(); } catch (error) { return failure(error); }
  let json;
  try { json = toJson(value, 'the returned value'); } catch (error) { return failure(error); }
  const variables = [...updates];
  let size = json.length;
  for (const entry of variables) size += entry[1].length;
  if (size > setup.maxOutputChars) {
    return { ok: false, code: 'OUTPUT_NOT_SERIALIZABLE', message: 'the output and variable updates are ' + size + ' characters of JSON, over the limit of ' + setup.maxOutputChars, dropped };
  }
  return { ok: true, json, variables, dropped };
}
Object.defineProperty(g, '__afRun', { configurable: true, value: (fn) => { delete g.__afRun; return run(fn); } });
})();`;
