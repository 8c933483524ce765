import { INSPECT_SOURCE } from './inspect-source.js';
import { LOCKDOWN_SOURCE } from './lockdown-source.js';

/** File names the isolate reports in stack traces; the runner reads user line numbers from them. */
export const SCRIPT_FILENAME = 'script.js';
export const BOOTSTRAP_FILENAME = 'sandbox:bootstrap';
export const moduleFilename = (name: string): string => `module:${name}`;

/** The names a script sees besides the (frozen) built-ins: the parameters of its function. */
export const SCRIPT_PARAMETERS = ['results', 'variables', 'input', 'execution', 'loop', 'console', 'setVariable', 'require', 'secrets'] as const;

/**
 * Facts of the run a script reads as names of its own (docs/steps.md has the table): when the step
 * started (`startTime`, epoch ms), its execution, its step id, its attempt. Each is the globals'
 * field of the same name, and the script executor fills each from the step's input field of the
 * same name: one more fact is one more entry here.
 */
export const SCRIPT_FACTS = ['startTime', 'executionId', 'stepId', 'attempt', 'idempotencyKey'] as const;
export type ScriptFact = (typeof SCRIPT_FACTS)[number];

/**
 * More names a script sees, given later than the ones above: parameters of a function *around* the
 * script's, so a script that declares a variable of one of these names (`const startTime = …`)
 * shadows it instead of failing to compile, as it would if they were its own parameters. Each is
 * the globals' field of the same name.
 */
export const SCRIPT_OUTER_NAMES = ['steps', ...SCRIPT_FACTS] as const;

/** What the host hands the bootstrap once per realm, copied into the isolate. */
export interface BootstrapSetup {
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
 * The user's code becomes the body of a strict async function whose parameters are the per-run
 * names, returned by a function of the {@link SCRIPT_OUTER_NAMES}. The opening line holds both
 * headers and `'use strict'` and is compiled with `lineOffset: -1`, so line N of the user's code is
 * line N in stack traces. Before it is compiled into the shared realm, the host checks that the code
 * is one function body and cannot close the wrapper early.
 */
export function wrapUserCode(code: string): string {
  return `(function (${SCRIPT_OUTER_NAMES.join(', ')}) { return async function (${SCRIPT_PARAMETERS.join(', ')}) { 'use strict';\n${code}\n}; })`;
}

/**
 * A module's CommonJS factory, compiled once per isolate and called once per run that requires it.
 * Besides CommonJS's names it gets `crypto`, the run's `{ getRandomValues }` (the isolate has no
 * Web Crypto of its own): how `uuid` gets its random bytes.
 */
export function wrapModule(source: string): string {
  return `(function (exports, require, module, __filename, __dirname, crypto) {\n${source}\n})`;
}

/**
 * Evaluates, once per realm, to `function (hostLog, setup, hostRandom)`: the host calls it with its
 * log callback, the sandbox's limits and its source of random bytes, and gets `{ run, defineModule }`.
 * Only these closures hold the hand-offs; nothing is put on `globalThis`, which `lockdown()` then
 * freezes with every built-in.
 *
 * `run(fn, id, globals, modules, ...seeds)` calls a compiled script once, with `globalThis` as `this`:
 * `globals` is the JSON of the run's data (parsed here, so the run gets its own deep copies), `seeds`
 * seed its `Math.random`, and its `console`, `setVariable` and `require` are made for this run alone.
 * Its `console` reports only while the run is `currentRun`, so nothing a run left behind can write
 * into the logs of a later one (the host also checks the run id).
 */
export const SCRIPT_BOOTSTRAP = String.raw`(function (hostLog, setup, hostRandom) {
'use strict';
const g = globalThis, stringify = JSON.stringify, parse = JSON.parse, now = Date.now, BuiltinError = Error, BuiltinRangeError = RangeError;
const DENIED = Symbol('moduleNotAllowed'), UNSERIALIZABLE = Symbol('notSerializable'), TOO_LARGE = Symbol('tooLarge');
const registered = new Set(setup.registered), factories = new Map(), outerNames = ${JSON.stringify(SCRIPT_OUTER_NAMES)};
${INSPECT_SOURCE}
${LOCKDOWN_SOURCE}

function toJson(value, what) {
  let json;
  try { json = stringify(value === undefined ? null : value); } catch (e) { json = e; }
  if (typeof json === 'string') return json;
  // V8 explains a cycle over several indented lines; one line reads better in a log.
  const why = json === undefined ? 'a ' + typeof value : String((json && json.message) || json).replace(/\s*\n\s*/g, ' ');
  // A RangeError is the stack (nesting too deep to serialize) or the string length running out.
  const large = json instanceof BuiltinRangeError;
  const error = new TypeError(what + (large ? ' is too large or nests too deeply to serialize (' : ' is not JSON-serializable (') + why + ')');
  error[large ? TOO_LARGE : UNSERIALIZABLE] = true;
  throw error;
}

// Web Crypto's getRandomValues over the host's CSPRNG (hostRandom: n random bytes as a latin1 string),
// for modules: the isolate has no entropy of its own, and Math.random is not a CSPRNG.
const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];
const MAX_RANDOM_BYTES = 65536;
function getRandomValues(array) {
  if (!INTEGER_ARRAYS.some((type) => array instanceof type)) throw new TypeError('crypto.getRandomValues: the argument must be an integer typed array');
  const view = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  if (view.length > MAX_RANDOM_BYTES) throw new RangeError('crypto.getRandomValues: ' + view.length + ' bytes asked for, at most ' + MAX_RANDOM_BYTES + ' at a time');
  const bytes = hostRandom(view.length);
  if (typeof bytes !== 'string' || bytes.length !== view.length) throw new Error('crypto.getRandomValues: no random bytes from the host');
  for (let i = 0; i < view.length; i++) view[i] = bytes.charCodeAt(i);
  return array;
}

function begin(id, modules) {
  const state = { logged: 0, dropped: 0, updates: new Map() };
  function emit(level, args) {
    if (currentRun !== state) return;
    if (state.logged >= setup.maxLogEntries) { state.dropped++; return; }
    state.logged++;
    let message;
    try { message = args.map((a) => inspect(a)).join(' '); } catch (e) { message = '[unprintable log message]'; }
    if (message.length > setup.maxLogLength) {
      message = message.slice(0, setup.maxLogLength) + '... (' + (message.length - setup.maxLogLength) + ' more characters)';
    }
    hostLog(id, level, message, now());
  }
  state.console = {
    log: (...a) => emit('info', a), info: (...a) => emit('info', a), warn: (...a) => emit('warn', a),
    error: (...a) => emit('error', a), debug: (...a) => emit('debug', a), trace: (...a) => emit('debug', a),
  };
  state.setVariable = function setVariable(name, value) {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('setVariable(name, value): name must be a non-empty string');
    state.updates.set(name, toJson(value, 'variable "' + name + '"'));
  };
  const requested = new Set(modules === '' ? [] : parse(modules)), loaded = new Map();
  // A fresh object per run, like every other hand-off: what one run's module does to it, no other run sees.
  const crypto = { getRandomValues: (array) => getRandomValues(array) };
  state.require = function require(name) {
    if (typeof name !== 'string') throw new TypeError('require(name): name must be a string');
    const cached = loaded.get(name);
    if (cached) return cached.exports;
    const factory = factories.get(name);
    if (!requested.has(name) || factory === undefined) {
      const why = registered.has(name) ? "add it to the step's allowedModules" : "it is not in the operator's module registry";
      const error = new Error('module "' + name + '" is not allowed: ' + why);
      error[DENIED] = true;
      throw error;
    }
    // A fresh module object per run: what one run does to an export, no other run sees.
    const module = { exports: {} };
    loaded.set(name, module);
    factory.call(module.exports, module.exports, require, module, name, '/', crypto);
    return module.exports;
  };
  return state;
}

function failure(error, dropped) {
  let code = 'SCRIPT_ERROR', message, name, stack;
  try {
    // A thrown Proxy can throw again on any property read: every read of the error is guarded.
    const tagged = error !== null && (typeof error === 'object' || typeof error === 'function');
    if (tagged && error[DENIED] === true) code = 'MODULE_NOT_ALLOWED';
    else if (tagged && error[UNSERIALIZABLE] === true) code = 'OUTPUT_NOT_SERIALIZABLE';
    else if (tagged && error[TOO_LARGE] === true) code = 'OUTPUT_TOO_LARGE';
    const isError = error instanceof BuiltinError;
    message = isError ? String(error.message) : inspect(error);
    if (message.length > setup.maxLogLength) message = message.slice(0, setup.maxLogLength) + '...';
    name = isError ? String(error.name) : undefined;
    stack = isError && typeof error.stack === 'string' ? error.stack : undefined;
  } catch (e) { message = 'the script threw a value that cannot be described'; }
  return { ok: false, code, message, name, stack, dropped };
}

async function settle(fn, state, globals) {
  const scope = parse(globals), orEmpty = (v) => (v === undefined ? {} : v);
  if (scope.steps === undefined) scope.steps = {};
  let value;
  try {
    // fn is the compiled wrapper: called with the outer names, it gives the script's own function.
    const script = fn.apply(g, outerNames.map((name) => scope[name]));
    // secrets: only those the step lists (the worker puts them in the globals), frozen; empty otherwise.
    value = await script.call(g, orEmpty(scope.results), orEmpty(scope.variables), orEmpty(scope.input), orEmpty(scope.execution), scope.loop, state.console, state.setVariable, state.require, harden(orEmpty(scope.secrets)));
  } catch (error) { return failure(error, state.dropped); }
  let json;
  try { json = toJson(value, 'the returned value'); } catch (error) { return failure(error, state.dropped); }
  const variables = [...state.updates];
  let size = json.length;
  for (const entry of variables) size += entry[1].length;
  if (size > setup.maxOutputChars) {
    return { ok: false, code: 'OUTPUT_TOO_LARGE', message: 'the output and variable updates are ' + size + ' characters of JSON, over the limit of ' + setup.maxOutputChars, dropped: state.dropped };
  }
  return { ok: true, json, variables, dropped: state.dropped };
}

async function run(fn, id, globals, modules, s0, s1, s2, s3) {
  let state = { dropped: 0 };
  try {
    harden(fn);
    state = begin(id, modules);
    state.random = seededRandom(s0, s1, s2, s3);
    currentRun = state;
    return await settle(fn, state, globals);
  } catch (e) {
    // The built-ins are frozen, so this should not happen; if it does, it is the script's failure.
    return { ok: false, code: 'SCRIPT_ERROR', message: 'the script broke the sandbox runtime', dropped: state.dropped };
  } finally {
    currentRun = null;
  }
}

// Blocking runs (a sandbox process): "start" runs a script inside one synchronous call, whose
// microtask checkpoint settles every promise that can settle, and "take" hands its envelope over.
let settled;
function start(fn, id, globals, modules, s0, s1, s2, s3) {
  settled = undefined;
  run(fn, id, globals, modules, s0, s1, s2, s3).then((envelope) => { settled = envelope; });
}
function take() {
  const envelope = settled;
  settled = undefined;
  return envelope;
}

function defineModule(name, factory) {
  factories.set(name, harden(factory));
}

lockdown();
return { run, start, take, defineModule };
})`;
