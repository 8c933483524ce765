import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = '@dbos-inc/dbos-sdk';

/**
 * Installed SDK version. The package's `exports` map does not expose
 * `package.json`, so walk up from its resolved entry point instead.
 */
export function dbosSdkVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.resolve(PACKAGE)));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json at this level; keep climbing.
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the version of ${PACKAGE}`);
    dir = parent;
  }
}
