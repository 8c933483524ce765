/**
 * Source of `lockdown()` and `harden(value)`, evaluated inside a realm's bootstrap (strict, inside its
 * function). A realm serves many runs, one after another, so nothing a run can reach may keep state
 * for the next: `lockdown()` removes the one piece of realm state the language exposes for reading
 * (the legacy RegExp statics, which hold the last match of any regular expression) and then freezes
 * every object reachable from `globalThis` and from the intrinsics only syntax reaches (the prototypes
 * of async and generator functions, of iterators, `%TypedArray%`, …), and `globalThis` itself.
 *
 * Freezing alone would break ordinary code through the "override mistake": assigning `e.name = 'X'`
 * to an error, or `F.prototype.toString = f`, fails when the inherited property is read-only. So,
 * like SES, a few such properties become accessors first: reading gives the original value, and
 * assigning on any object but the prototype itself defines an own property there. Only properties
 * that code assigns in practice and whose change V8 does not track with a "protector" are converted
 * (`Array.prototype.constructor`, `Promise.prototype.constructor` and the `Symbol.iterator` methods
 * are, and turning them into accessors would slow down every `map`, `await` and `for…of`).
 *
 * Before freezing, `tame()` closes the ways a run's code could run again later, during another run
 * (isolated-vm has no timers, and a run's microtasks all run before it settles): a
 * `FinalizationRegistry` calls back only while the run that created it is `currentRun` (the engine
 * may skip cleanup callbacks anyway), `WebAssembly` is removed (its memory is not counted against the
 * isolate's limit), and `Atomics.waitAsync` is removed (its timeout aborts the host process under
 * isolated-vm 5). It also
 * gives each run its own `Math.random`: V8 keeps one generator per context, whose state a later run
 * could recover from a few outputs and step back through to an earlier run's numbers, so the runner
 * seeds a generator per run (xoshiro128**, from host entropy) and `Math.random` draws from `currentRun`.
 *
 * Known cost: V8's fast paths for `String.prototype.replace`/`split`/`matchAll` with a RegExp and for
 * `new Map(iterable)`/`new Set(iterable)` require the untouched initial prototype, so in a frozen
 * realm those calls take the generic path (measured: replace/split ~10× slower per call, ~1 µs).
 */
export const LOCKDOWN_SOURCE = `
const hardened = new WeakSet();
/** The state of the run in progress, with its own random generator; the runner sets it around each run. */
let currentRun = null;

function seededRandom(a, b, c, d) {
  const imul = Math.imul, rotl = (x, k) => (x << k) | (x >>> (32 - k));
  if ((a | b | c | d) === 0) a = 1;
  function next() {
    const result = imul(rotl(imul(b, 5), 7), 9), t = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 11);
    return result >>> 0;
  }
  // 53 random bits, like the native one: 27 from one draw and 26 from the next.
  return function random() { return ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992; };
}
function harden(root) {
  const describe = Object.getOwnPropertyDescriptor, ownKeys = Reflect.ownKeys, getPrototypeOf = Object.getPrototypeOf, freeze = Object.freeze;
  const queue = [root];
  while (queue.length > 0) {
    const value = queue.pop();
    if ((typeof value !== 'object' || value === null) && typeof value !== 'function') continue;
    if (hardened.has(value)) continue;
    freeze(value);
    hardened.add(value);
    queue.push(getPrototypeOf(value));
    for (const key of ownKeys(value)) {
      const property = describe(value, key);
      if (property === undefined) continue;
      if ('value' in property) queue.push(property.value);
      else queue.push(property.get, property.set);
    }
  }
  return root;
}

function allowOverride(object, key) {
  const property = Object.getOwnPropertyDescriptor(object, key);
  if (property === undefined || !('value' in property) || !property.configurable) return;
  const value = property.value, define = Object.defineProperty, hasOwn = Object.hasOwn;
  define(object, key, {
    get: function () { return value; },
    set: function (replacement) {
      if (this === object) throw new TypeError('Cannot assign to read only property ' + String(key) + ' of a frozen built-in');
      if (hasOwn(this, key)) this[key] = replacement;
      else define(this, key, { value: replacement, writable: true, enumerable: true, configurable: true });
    },
    enumerable: property.enumerable,
    configurable: false,
  });
}

function tame() {
  if (!delete Atomics.waitAsync || 'waitAsync' in Atomics) throw new TypeError('lockdown: Atomics.waitAsync cannot be removed');
  const outside = seededRandom(Math.random() * 4294967296, Math.random() * 4294967296, 1, 2);
  Math.random = { random() { return (currentRun === null ? outside : currentRun.random)(); } }.random;
  const Native = FinalizationRegistry, construct = Reflect.construct;
  const Registry = function FinalizationRegistry(cleanup) {
    if (new.target === undefined) throw new TypeError("Constructor FinalizationRegistry requires 'new'");
    if (typeof cleanup !== 'function') throw new TypeError('FinalizationRegistry: cleanup must be callable');
    const owner = currentRun;
    return construct(Native, [(held) => { if (owner !== null && currentRun === owner) cleanup(held); }], new.target);
  };
  Registry.prototype = Native.prototype;
  Native.prototype.constructor = Registry;
  globalThis.FinalizationRegistry = Registry;
  // WebAssembly memory lives outside the isolate's heap, so its limit does not bound it (a script
  // grew one to 2 GB under a 128 MiB limit): scripts and expressions get no WebAssembly at all.
  if (!delete globalThis.WebAssembly || 'WebAssembly' in globalThis) throw new TypeError('lockdown: WebAssembly cannot be removed');
}

function lockdown() {
  tame();
  // Every own property of RegExp but these is a legacy static ($1…$9, input, lastMatch, …): V8 lets
  // them be deleted, and after that nothing reads the realm's last match any more.
  const keep = ['length', 'name', 'prototype', Symbol.species];
  for (const key of Reflect.ownKeys(RegExp)) {
    if (keep.indexOf(key) === -1 && !delete RegExp[key]) throw new TypeError('lockdown: RegExp.' + String(key) + ' cannot be removed');
  }
  if (Reflect.ownKeys(RegExp).length !== 4) throw new TypeError('lockdown: RegExp keeps legacy statics');

  for (const key of Reflect.ownKeys(Object.prototype)) allowOverride(Object.prototype, key);
  allowOverride(Array.prototype, 'toString');
  for (const key of ['constructor', 'bind', 'name', 'toString']) allowOverride(Function.prototype, key);
  const errors = [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError, AggregateError];
  for (const E of errors) for (const key of ['constructor', 'message', 'name', 'toString']) allowOverride(E.prototype, key);

  // Intrinsics that no global property leads to; hardening an instance hardens its prototype chain.
  const hidden = [
    async function () {}, function* () {}, async function* () {}, (function* () {})(), (async function* () {})(),
    [][Symbol.iterator](), new Map()[Symbol.iterator](), new Set()[Symbol.iterator](), ''[Symbol.iterator](), /a/[Symbol.matchAll](''),
  ];
  if (typeof Intl === 'object' && typeof Intl.Segmenter === 'function') {
    const segments = new Intl.Segmenter().segment('');
    hidden.push(segments, segments[Symbol.iterator]());
  }
  for (const value of hidden) harden(value);
  harden(globalThis);
}
`;
