import type { App } from './env-reads.js';

/**
 * The README's configuration table (`| Variable | App | Default | Meaning |`): for each app, the
 * variables it documents. The first column lists one or more variables in backticks; one starting
 * with `_` continues the family before it (`AGENT_PROVIDER_<NAME>_BASE_URL`, `_KIND` →
 * `AGENT_PROVIDER_<NAME>_KIND`). The second names the apps: `coordinator`, `worker`, `cli`, `both`
 * (coordinator and worker), or several separated by commas. A row it cannot read is an error
 * naming the row.
 */
export function documentedVariables(readme: string): Map<App, string[]> {
  const lines = readme.split('\n');
  const header = lines.findIndex((line) => /^\|\s*Variable\s*\|\s*App\s*\|/.test(line));
  if (header < 0) throw new Error('README.md has no "| Variable | App | … |" table');
  const byApp = new Map<App, string[]>([
    ['coordinator', []],
    ['worker', []],
    ['cli', []],
  ]);
  for (const [offset, line] of lines.slice(header + 2).entries()) {
    if (!line.startsWith('|')) break;
    const where = `README.md line ${header + 3 + offset}`;
    const [variables = '', apps = ''] = line
      .split('|')
      .slice(1)
      .map((cell) => cell.trim());
    for (const app of appsOf(apps, where)) byApp.get(app)!.push(...variablesOf(variables, where));
  }
  return byApp;
}

function appsOf(cell: string, where: string): App[] {
  return cell.split(',').flatMap((name): App[] => {
    const app = name.trim();
    if (app === 'both') return ['coordinator', 'worker'];
    if (app === 'coordinator' || app === 'worker' || app === 'cli') return [app];
    throw new Error(`${where}: app "${app}" is not coordinator, worker, cli or both`);
  });
}

function variablesOf(cell: string, where: string): string[] {
  const tokens = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  if (tokens.length === 0) throw new Error(`${where}: no \`VARIABLE\` in the first column`);
  let family: string | undefined;
  return tokens.map((token) => {
    if (!token.startsWith('_')) {
      family = token.includes('<NAME>') ? token.slice(0, token.indexOf('<NAME>') + '<NAME>'.length) : undefined;
      return token;
    }
    if (family === undefined) throw new Error(`${where}: "${token}" continues no <NAME> family before it`);
    return `${family}${token}`;
  });
}
