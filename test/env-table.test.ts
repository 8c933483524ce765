import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { familiesStillRead, variablesReadBy, type App } from './env-reads.js';
import { documentedVariables } from './readme-env-table.js';

// The README's configuration table is the operator's reference: every variable an app reads is in
// it, under that app, and everything in it is read by the app it names.

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const documented = documentedVariables(readme);
const APPS: App[] = ['coordinator', 'worker', 'cli'];

describe('the README configuration table', () => {
  it.each(APPS)('lists every variable the %s reads, and only those', (app) => {
    const read = variablesReadBy(app);
    const listed = new Set(documented.get(app));
    expect({ app, undocumented: [...read].filter((name) => !listed.has(name)).sort(), notRead: [...listed].filter((name) => !read.has(name)).sort() }).toEqual({
      app,
      undocumented: [],
      notRead: [],
    });
  });

  it('lists each variable once per app', () => {
    for (const app of APPS) {
      const names = documented.get(app) ?? [];
      expect({ app, twice: names.filter((name, i) => names.indexOf(name) !== i) }).toEqual({ app, twice: [] });
    }
  });

  it('knows the families the apps read by walking their environment', () => {
    expect(familiesStillRead()).toEqual([]);
  });

  it('refuses a table it cannot read, naming the row', () => {
    const table = '| Variable | App | Default | Meaning |\n| --- | --- | --- | --- |\n';
    expect(() => documentedVariables(`${table}| \`X\` | scheduler | 1 | x |\n`)).toThrow(
      'README.md line 3: app "scheduler" is not coordinator, worker, cli or both',
    );
    expect(() => documentedVariables(`${table}| X | worker | 1 | x |\n`)).toThrow('README.md line 3: no `VARIABLE` in the first column');
    expect(() => documentedVariables(`${table}| \`A\`, \`_B\` | worker | 1 | x |\n`)).toThrow('continues no <NAME> family');
    expect(() => documentedVariables('no table')).toThrow('has no "| Variable | App | … |" table');
    expect(documentedVariables(`${table}| \`P_<NAME>_URL\`, \`_KEY\` | both | | |\n`).get('worker')).toEqual(['P_<NAME>_URL', 'P_<NAME>_KEY']);
  });
});
