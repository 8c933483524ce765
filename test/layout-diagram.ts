import type { WorkspaceProject } from './workspace-projects.js';

/**
 * The README's layout diagram, generated from the package.json files: one line per project with the
 * workspace projects it depends on at run time (and, in parentheses, those only its tests use).
 * Projects are ordered by depth — the longest chain of dependencies below them — deepest first, so
 * every dependency is on a later line: dependencies point down. Projects with none share the last
 * line.
 */
export function layoutDiagram(projects: readonly WorkspaceProject[]): string {
  const byName = new Map(projects.map((p) => [p.name, p]));
  const depth = new Map<string, number>();
  const depthOf = (name: string, path: readonly string[] = []): number => {
    if (path.includes(name)) throw new Error(`dependency cycle: ${[...path, name].join(' → ')}`);
    const known = depth.get(name);
    if (known !== undefined) return known;
    const project = byName.get(name);
    if (project === undefined) throw new Error(`${path.at(-1)} depends on ${name}, which is not in packages/ or apps/`);
    const value = Math.max(-1, ...project.runtime.map((dep) => depthOf(dep, [...path, name]))) + 1;
    depth.set(name, value);
    return value;
  };
  for (const project of projects) depthOf(project.name);
  const order = (a: WorkspaceProject, b: WorkspaceProject) => depthOf(b.name) - depthOf(a.name) || a.dir.localeCompare(b.dir);
  const short = (name: string) => byName.get(name)!.dir.replace(/^(packages|apps)\//, '');
  const sorted = [...projects].sort(order);
  const names = (deps: readonly string[]) =>
    deps
      .map((dep) => byName.get(dep)!)
      .sort(order)
      .map((p) => short(p.name))
      .join(' ');
  const withDependencies = sorted.filter((p) => p.runtime.length > 0 || p.dev.length > 0);
  const width = Math.max(...withDependencies.map((p) => p.dir.length));

  const lines = withDependencies.map((p) => {
    const runtime = p.runtime.length > 0 ? `──▶ ${names(p.runtime)}` : '──▶ (nothing)';
    const dev = p.dev.length > 0 ? `  (tests: ${names(p.dev)})` : '';
    return `${p.dir.padEnd(width)}  ${runtime}${dev}`;
  });
  const leaves = sorted.filter((p) => p.runtime.length === 0 && p.dev.length === 0).map((p) => p.dir);
  return [...lines, `${leaves.join(', ')}: no workspace dependencies`].join('\n');
}

/** The first fenced block after `## Layout` in the README. */
export function readmeLayoutBlock(readme: string): string {
  const match = /^## Layout\n+```\n([\s\S]*?)\n```/m.exec(readme);
  if (match === null) throw new Error('README.md has no fenced block right after "## Layout"');
  return match[1]!;
}
