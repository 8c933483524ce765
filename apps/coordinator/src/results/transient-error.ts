/**
 * True for failures that say nothing about the data — the database or Redis unreachable, a
 * connection dropped, a deadlock or serialization failure — so the work must be retried as is.
 * PostgreSQL reports SQLSTATE codes: class 08 (connection), 40 (transaction rollback), 53
 * (resources), 57 (operator intervention, e.g. a restart) are transient; others (22 data, 23
 * integrity, 42 syntax…) mean the statement itself can never succeed.
 */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return ['08', '40', '53', '57', '58'].includes(code.slice(0, 2));
  // Not a PostgreSQL error: a socket error (ECONNREFUSED…) or a client-side timeout.
  return true;
}
