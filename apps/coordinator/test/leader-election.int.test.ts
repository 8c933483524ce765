import { Writable } from 'node:stream';
import { createLogger } from '@agentic-flow/telemetry';
import { testDatabase, type TestDatabase } from '@agentic-flow/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderElection } from '../src/maintenance/leader-election.js';

const logger = createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_chunk, _enc, done) => done() }) });

let database: TestDatabase;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe('LeaderElection', () => {
  it('tells each change of leadership once, as it happens: gained, kept, lost with its connection, taken over', async () => {
    const changes: string[] = [];
    const a = new LeaderElection(database.url, logger, (leading) => changes.push(`a:${leading}`));
    const b = new LeaderElection(database.url, logger, (leading) => changes.push(`b:${leading}`));
    try {
      expect(await a.tick()).toBe(true);
      expect(await b.tick()).toBe(false);
      expect(await a.tick()).toBe(true);
      expect(changes).toEqual(['a:true']);

      // The leader's connection dies (PostgreSQL restarted, a network cut): its lock goes with it.
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      // Both elections' connections end (waiting until they have): the lock is free, and the first to tick again takes it.
      const { rows } = await admin.query<{ ended: boolean }>(
        `select pg_terminate_backend(pid, 5000) as ended from pg_stat_activity where application_name = 'agentic-flow-leader' and datname = current_database()`,
      );
      await admin.end();
      expect(rows.map((r) => r.ended)).toEqual([true, true]);
      // The leader learns it from its connection's end, before its next tick.
      for (let waited = 0; a.leading && waited < 5_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(changes).toEqual(['a:true', 'a:false']);
      expect(await b.tick()).toBe(true);
      expect(await a.tick()).toBe(false);
      expect(changes).toEqual(['a:true', 'a:false', 'b:true']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
