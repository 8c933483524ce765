import { namespaceExists, type Database } from '@agentic-flow/store';

/**
 * Which namespaces exist. Namespaces are never deleted, so a name seen once is remembered for good
 * and a request in a known namespace costs no query.
 */
export class NamespaceDirectory {
  private readonly known = new Set<string>();

  constructor(private readonly db: Database) {}

  async exists(name: string): Promise<boolean> {
    if (this.known.has(name)) return true;
    if (!(await namespaceExists(this.db, name))) return false;
    if (this.known.size < 100_000) this.known.add(name);
    return true;
  }

  remember(name: string): void {
    this.known.add(name);
  }
}
