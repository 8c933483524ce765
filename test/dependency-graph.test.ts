import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const projects = ['packages', 'apps'].flatMap((dir) => readdirSync(join(root, dir)).map((name) => `${dir}/${name}`));

interface Project {
  dir: string;
  name: string;
  runtime: string[];
  dev: string[];
  references: string[];
}

const load = (dir: string): Project => {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  const tsconfig = JSON.parse(readFileSync(join(root, dir, 'tsconfig.json'), 'utf8'));
  const internal = (deps: Record<string, string> = {}) => Object.keys(deps).filter((d) => d.startsWith('@agentic-flow/'));
  return {
    dir,
    name: pkg.name,
    runtime: internal(pkg.dependencies),
    dev: internal(pkg.devDependencies),
    references: (tsconfig.references ?? []).map((r: { path: string }) => r.path.replace(/^(\.\.\/)+/, '')),
  };
};
const all = projects.map(load);
const byName = new Map(all.map((p) => [p.name, p]));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(root, dir, f));
}

function importsOf(file: string): { specifier: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => ({ specifier: m[3]!, typeOnly: Boolean(m[2]) }));
}

/** Every module a file names: `from '…'`, `import '…'` and `import('…')`. */
function specifiersOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

describe('the dependency graph', () => {
  it('is acyclic, counting dev dependencies too', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (name: string, path: string[]): void => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(name)), name].join(' → '));
        return;
      }
      state.set(name, 'visiting');
      const project = byName.get(name)!;
      for (const dep of [...project.runtime, ...project.dev]) visit(dep, [...path, name]);
      state.set(name, 'done');
    };
    for (const project of all) visit(project.name, []);
    expect(cycles).toEqual([]);
  });

  it('has tsconfig references that mirror runtime dependencies', () => {
    for (const project of all) {
      const expected = project.runtime.map((dep) => byName.get(dep)!.dir).sort();
      expect([project.dir, project.references.sort()]).toEqual([project.dir, expected]);
    }
  });

  it('lets no package depend on an app', () => {
    for (const project of all.filter((p) => p.dir.startsWith('packages/'))) {
      const apps = [...project.runtime, ...project.dev].filter((dep) => byName.get(dep)!.dir.startsWith('apps/'));
      expect([project.name, apps]).toEqual([project.name, []]);
    }
  });

  it('keeps the test fixtures (and their testcontainers, pg, ioredis) out of every app at run time', () => {
    const closure = (name: string, seen = new Set<string>()): Set<string> => {
      for (const dep of byName.get(name)!.runtime) if (!seen.has(dep)) closure(dep, seen.add(dep));
      return seen;
    };
    for (const app of all.filter((p) => p.dir.startsWith('apps/'))) {
      expect([app.name, closure(app.name).has('@agentic-flow/testing')]).toEqual([app.name, false]);
    }
  });

  it('keeps the engine pure: only spec and xstate, no node:*', () => {
    const offending = sourceFiles('packages/engine/src')
      .flatMap((file) => importsOf(file).map((i) => ({ file, ...i })))
      .filter(({ specifier }) => !specifier.startsWith('.') && specifier !== '@agentic-flow/spec' && specifier !== 'xstate');
    expect(offending).toEqual([]);
  });

  it('keeps the SDK free of server packages: type-only imports of spec, nothing else', () => {
    const offending = sourceFiles('packages/sdk/src')
      .flatMap((file) => importsOf(file).map((i) => ({ file, ...i })))
      .filter(({ specifier, typeOnly }) => !specifier.startsWith('.') && !(specifier === '@agentic-flow/spec' && typeOnly));
    expect(offending).toEqual([]);
  });

  it('keeps HTTP errors in the HTTP layer: no coordinator module outside http/ imports its error modules', () => {
    const src = join(root, 'apps/coordinator/src');
    // Services raise domain errors (errors/domain-error.ts); only these turn errors into statuses and bodies.
    const errorModules = ['http/api-error.ts', 'http/domain-error-answer.ts', 'http/error-handler.ts', 'http/client-errors.ts', 'http/text-problems.ts'];
    // A module renamed away would make the check below pass without checking anything.
    expect(errorModules.filter((module) => !existsSync(join(src, module)))).toEqual([]);
    const offending = sourceFiles('apps/coordinator/src')
      .filter((file) => !relative(src, file).startsWith('http/'))
      .flatMap((file) =>
        specifiersOf(file)
          .filter((specifier) => specifier.startsWith('.'))
          .map((specifier) => ({ file: relative(src, file), imports: relative(src, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts') })),
      )
      .filter(({ imports }) => errorModules.includes(imports));
    expect(offending).toEqual([]);
  });

  it('declares every workspace package it imports', () => {
    for (const project of all) {
      const declared = new Set([...project.runtime, ...project.dev, project.name]);
      // A subpath (`@agentic-flow/sandbox/syntax`) is its package's.
      const used = new Set(
        sourceFiles(`${project.dir}/src`)
          .flatMap((f) => importsOf(f).map((i) => i.specifier.split('/').slice(0, 2).join('/')))
          .filter((s) => s.startsWith('@agentic-flow/')),
      );
      const undeclared = [...used].filter((u) => !declared.has(u));
      expect([project.name, undeclared]).toEqual([project.name, []]);
    }
  });
});
