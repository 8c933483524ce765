import pg from 'pg';
import { dockerAvailable } from './docker.js';
import { randomSuffix } from './random-suffix.js';

const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const POSTGRES_IMAGE = 'postgres:16-alpine';

export interface TestDatabase {
  /** Connection URL of the new, empty database. */
  url: string;
  /** Its name (`af_test_<random>`). */
  name: string;
  /** Terminates its connections and drops it. Safe to call more than once. */
  drop(): Promise<void>;
}

let serverUrl: Promise<string> | undefined;

/**
 * The server test databases are created on: `DATABASE_URL` when set, else a PostgreSQL
 * testcontainer shared by the whole process when a Docker engine answers, else the local default
 * `postgres://postgres@127.0.0.1:5432/test`. The URL's database is only used to run
 * CREATE/DROP DATABASE.
 */
export function testDatabaseServerUrl(): Promise<string> {
  serverUrl ??= resolveServerUrl();
  return serverUrl;
}

async function resolveServerUrl(): Promise<string> {
  const fromEnv = process.env['DATABASE_URL'];
  if (fromEnv) return fromEnv;
  if (await dockerAvailable()) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    // Not stopped explicitly: testcontainers' reaper removes it when the process exits.
    const container = await new PostgreSqlContainer(POSTGRES_IMAGE).start();
    return container.getConnectionUri();
  }
  return LOCAL_DATABASE_URL;
}

/**
 * Creates a brand-new empty database for the caller, so test files can run in parallel.
 *
 * @example
 * const database = await testDatabase();
 * afterAll(() => database.drop());
 * await migrateDatabase(database.url);
 */
export async function testDatabase(): Promise<TestDatabase> {
  const adminUrl = await testDatabaseServerUrl();
  const name = `af_test_${randomSuffix()}`;
  await withAdmin(adminUrl, (client) => createDatabase(client, name));
  let dropped: Promise<void> | undefined;
  return {
    url: withDatabaseName(adminUrl, name),
    name,
    drop: () => (dropped ??= withAdmin(adminUrl, (client) => dropDatabase(client, name))),
  };
}

async function createDatabase(client: pg.Client, name: string): Promise<void> {
  // CREATE DATABASE copies template1 and fails (55006) while another session is connected to
  // it, which is brief when another test creates its database at the same moment: retry.
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '55006' || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

async function dropDatabase(client: pg.Client, name: string): Promise<void> {
  // WITH (FORCE) (PostgreSQL 13+) terminates the remaining connections itself; terminating them
  // first also covers a session that is in the middle of reconnecting.
  await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
  await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
}

async function withAdmin<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: url,
    application_name: 'agentic-flow-testing',
    connectionTimeoutMillis: 5_000,
  });
  client.on('error', () => {});
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => {});
  }
}

function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
