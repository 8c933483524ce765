import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One CommonJS source made of a directory of CommonJS files that `require` each other by relative
 * path (`require("./v4.js")`), such as `uuid`'s browser build: the module registry evaluates a
 * module as one source. Each file becomes a factory in a table, run once on first `require`;
 * a name not in the table goes to the run's own `require` (so the step's `allowedModules` still
 * decides). The result is read once per process and compiled once per isolate.
 */
export function bundleCommonJs(dir: string, entry: string): string {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.js'))
    .sort();
  if (!files.includes(entry)) throw new RangeError(`bundleCommonJs: ${entry} is not in ${dir}`);
  const table = files
    .map((name) => `${JSON.stringify(`./${name}`)}: function (exports, require, module) {\n${readFileSync(join(dir, name), 'utf8')}\n}`)
    .join(',\n');
  return `var files = {\n${table}\n}, loaded = {}, own = Object.prototype.hasOwnProperty;
function load(name) {
  if (own.call(loaded, name)) return loaded[name].exports;
  if (!own.call(files, name)) return require(name);
  var m = (loaded[name] = { exports: {} });
  files[name].call(m.exports, m.exports, load, m);
  return m.exports;
}
module.exports = load(${JSON.stringify(`./${entry}`)});`;
}
