import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { layoutDiagram, readmeLayoutBlock } from './layout-diagram.js';
import { workspaceProjects } from './workspace-projects.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe("the README's layout diagram", () => {
  it('is the one the package.json files give (paste the expected text into README.md to update it)', () => {
    expect(readmeLayoutBlock(readme)).toBe(layoutDiagram(workspaceProjects()));
  });

  it('puts every dependency below its dependents', () => {
    const lines = layoutDiagram(workspaceProjects()).split('\n');
    const lineOf = (dir: string) => lines.findIndex((line) => line.startsWith(`${dir} `) || line.split(', ').some((leaf) => leaf.replace(/: .*/, '') === dir));
    for (const project of workspaceProjects()) {
      for (const dep of project.runtime) {
        const depDir = workspaceProjects().find((p) => p.name === dep)!.dir;
        expect([project.dir, depDir, lineOf(project.dir) < lineOf(depDir)]).toEqual([project.dir, depDir, true]);
      }
    }
  });

  it('refuses a cycle or an unknown dependency, naming it', () => {
    const p = (name: string, runtime: string[]) => ({ dir: `packages/${name}`, name, runtime, dev: [] });
    expect(() => layoutDiagram([p('a', ['b']), p('b', ['a'])])).toThrow('dependency cycle: a → b → a');
    expect(() => layoutDiagram([p('a', ['ghost'])])).toThrow('a depends on ghost, which is not in packages/ or apps/');
  });
});
