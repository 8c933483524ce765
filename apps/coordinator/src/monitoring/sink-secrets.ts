import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SECRET_NAME_PATTERN } from '@agentic-flow/spec';

/**
 * The coordinators' signing secrets for alert sinks, by name: a file of `AF_SECRETS_DIR` named
 * after the secret (read at each use, so a rotated secret applies at the next delivery; one trailing
 * newline removed), else the `AF_SECRET_<NAME>` variable. A sink stores only the name; the value is
 * never stored, logged or returned.
 */
export class SinkSecrets {
  constructor(
    private readonly env: Readonly<Record<string, string>>,
    private readonly dir: string | undefined,
  ) {}

  async get(name: string): Promise<string | undefined> {
    if (!SECRET_NAME_PATTERN.test(name)) return undefined;
    if (this.dir !== undefined) {
      try {
        const text = await readFile(join(this.dir, name), 'utf8');
        return text.endsWith('\n') ? text.slice(0, -1) : text;
      } catch {
        // Not in the directory: the variable, if any.
      }
    }
    return this.env[name];
  }
}
