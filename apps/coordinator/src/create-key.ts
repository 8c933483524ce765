import { parseArgs } from 'node:util';
import { NamespaceSchema } from '@agentic-flow/spec';
import { API_KEY_ROLES, createDatabase, insertApiKey, migrateDatabase, namespaceExists, runInTransactionWithAudit, type ApiKeyRole } from '@agentic-flow/store';
import { issueKey } from './auth/api-key-secret.js';

const USAGE = `usage: node apps/coordinator/dist/create-key.js --name <name> [--role admin|editor|operator|viewer] [--namespace <ns>|*]... [--expires-in-days <n>]

Creates an API key straight in the database (DATABASE_URL), with no running coordinator and no
other key: the way to the first admin key when AF_BOOTSTRAP_ADMIN_KEY is not used. Prints the key
once. Default role admin, namespace "*" (every namespace).`;

/** Writes the key and its audit entry (actor `cli`) in one transaction; prints the key on stdout. */
async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        name: { type: 'string' },
        role: { type: 'string', default: 'admin' },
        namespace: { type: 'string', multiple: true },
        'expires-in-days': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const role = values.role as ApiKeyRole;
  const namespaces = values.namespace ?? ['*'];
  const days = values['expires-in-days'] === undefined ? undefined : Number(values['expires-in-days']);
  const problems = [
    values.name === undefined || values.name.trim() === '' ? '--name is required' : undefined,
    API_KEY_ROLES.includes(role) ? undefined : `--role must be one of ${API_KEY_ROLES.join(', ')}`,
    ...namespaces.map((ns) => (ns === '*' || NamespaceSchema.safeParse(ns).success ? undefined : `--namespace "${ns}" is not a namespace name`)),
    days === undefined || (Number.isFinite(days) && days > 0) ? undefined : '--expires-in-days must be a positive number',
  ].filter((p) => p !== undefined);
  if (problems.length > 0) {
    console.error(`${problems.join('\n')}\n\n${USAGE}`);
    return 2;
  }
  const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  await migrateDatabase(url);
  const database = createDatabase(url, { applicationName: 'agentic-flow-create-key', max: 2 });
  try {
    for (const ns of namespaces) {
      if (ns !== '*' && !(await namespaceExists(database.db, ns))) {
        console.error(`namespace "${ns}" does not exist`);
        return 1;
      }
    }
    const issued = await issueKey();
    const at = new Date();
    await runInTransactionWithAudit(
      database.db,
      {
        at: at.toISOString(),
        actor: 'cli',
        role: null,
        namespace: null,
        action: 'api-key.create',
        target: `cli create-key ${issued.id}`,
        requestId: `cli-${issued.id}`,
        clientAddress: null,
        outcome: 'ok',
        status: 201,
      },
      (tx) =>
        insertApiKey(tx, {
          id: issued.id,
          name: values.name!.trim(),
          role,
          namespaces: [...new Set(namespaces)],
          secretSalt: issued.salt,
          secretHash: issued.hash,
          createdBy: 'cli',
          expiresAt: days === undefined ? null : new Date(at.getTime() + days * 86_400_000),
        }),
    );
    console.error(`created ${role} key afk_${issued.id} for ${namespaces.join(', ')}; it is shown once:`);
    console.log(issued.key);
    return 0;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`create-key: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
