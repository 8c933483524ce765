/**
 * Source of `inspect(value)`, evaluated inside the isolate: Node's `util.inspect` is not there, and
 * formatting must happen on the isolate side because a logged value (a function, a cyclic object) may
 * not be copyable out of it. The output imitates `util.inspect` closely enough to read: nested strings
 * are quoted, depth is capped at 2, cycles print as `[Circular]`, long arrays and objects are cut.
 */
export const INSPECT_SOURCE = String.raw`
function inspect(value, depth, seen) {
  if (depth === undefined) depth = 0;
  if (seen === undefined) seen = [];
  switch (typeof value) {
    case 'string': return depth === 0 ? value : JSON.stringify(value);
    case 'bigint': return String(value) + 'n';
    case 'symbol': return value.toString();
    case 'function': return '[Function: ' + (value.name || '(anonymous)') + ']';
    case 'object': break;
    default: return String(value);
  }
  if (value === null) return 'null';
  if (value instanceof Date) return isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Error) {
    // The sandbox's own frames (bootstrap, the wrapper on line 0) mean nothing to the script's author.
    const stack = typeof value.stack === 'string' ? value.stack.split('\n').filter((l) => l.indexOf('sandbox:bootstrap') === -1 && !/^\s*at script\.js$/.test(l)).join('\n') : '';
    return stack || (value.name + ': ' + value.message);
  }
  if (value instanceof RegExp) return String(value);
  if (seen.indexOf(value) !== -1) return '[Circular]';
  const nested = seen.concat([value]);
  const item = (v) => inspect(v, depth + 1, nested);
  const MAX = 100;
  if (Array.isArray(value)) {
    if (depth > 2) return '[Array]';
    const parts = value.slice(0, MAX).map(item);
    if (value.length > MAX) parts.push('... ' + (value.length - MAX) + ' more items');
    return parts.length === 0 ? '[]' : '[ ' + parts.join(', ') + ' ]';
  }
  if (value instanceof Map || value instanceof Set) {
    const kind = value instanceof Map ? 'Map' : 'Set';
    if (depth > 2) return '[' + kind + ']';
    const parts = [];
    for (const entry of value) {
      if (parts.length === MAX) { parts.push('...'); break; }
      parts.push(kind === 'Map' ? item(entry[0]) + ' => ' + item(entry[1]) : item(entry));
    }
    return kind + '(' + value.size + ') {' + (parts.length ? ' ' + parts.join(', ') + ' ' : '') + '}';
  }
  if (depth > 2) return '[Object]';
  const keys = Object.keys(value);
  const parts = keys.slice(0, MAX).map((k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)) + ': ' + item(value[k]));
  if (keys.length > MAX) parts.push('... ' + (keys.length - MAX) + ' more properties');
  const proto = Object.getPrototypeOf(value);
  const name = proto && proto !== Object.prototype && proto.constructor && proto.constructor.name ? proto.constructor.name + ' ' : '';
  return name + (parts.length === 0 ? '{}' : '{ ' + parts.join(', ') + ' }');
}
`;
