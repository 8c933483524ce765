import type { Database } from '../database.js';

/** A transaction handle, as `db.transaction` passes it. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Repositories run on the database or inside a caller's transaction. */
export type DbExecutor = Database | Transaction;
