import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A package or app of the workspace, with its dependencies on other workspace projects. */
export interface WorkspaceProject {
  /** `packages/spec`, `apps/worker`. */
  dir: string;
  name: string;
  runtime: string[];
  dev: string[];
}

const root = fileURLToPath(new URL('..', import.meta.url));

/** Every directory under packages/ and apps/, read from its package.json. */
export function workspaceProjects(): WorkspaceProject[] {
  return ['packages', 'apps'].flatMap((group) =>
    readdirSync(join(root, group)).map((name) => {
      const dir = `${group}/${name}`;
      const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const internal = (deps: Record<string, string> = {}) => Object.keys(deps).filter((dep) => dep.startsWith('@agentic-flow/'));
      return { dir, name: manifest.name, runtime: internal(manifest.dependencies), dev: internal(manifest.devDependencies) };
    }),
  );
}
