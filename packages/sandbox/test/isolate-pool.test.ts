import { describe, expect, it } from 'vitest';
import { IsolatePool, SandboxClosedError } from '@agentic-flow/sandbox';
import { Realm } from '../src/realm.js';

describe('IsolatePool', () => {
  it('reuses a released isolate for the same memory limit only', async () => {
    const pool = new IsolatePool();
    try {
      const first = await pool.acquire(16);
      pool.release(first, true);
      expect(await pool.acquire(16)).toBe(first);
      const other = await pool.acquire(32);
      expect(other).not.toBe(first);
      expect(other.memoryLimitMb).toBe(32);
      expect(pool.stats()).toMatchObject({ leased: 2, created: 2 });
    } finally {
      pool.close();
    }
  });

  it('retires unhealthy and worn-out isolates', async () => {
    const pool = new IsolatePool({ maxRunsPerIsolate: 2 });
    try {
      const sick = await pool.acquire(16);
      pool.release(sick, false);
      expect(sick.disposed).toBe(true);
      const worn = await pool.acquire(16);
      pool.release(worn, true);
      expect(await pool.acquire(16)).toBe(worn);
      pool.release(worn, true);
      expect(worn.disposed).toBe(true);
      expect(pool.stats()).toMatchObject({ idle: 0, leased: 0, created: 2, retired: 2 });
    } finally {
      pool.close();
    }
  });

  it('keeps at most maxIdlePerLimit idle isolates', async () => {
    const pool = new IsolatePool({ maxIdlePerLimit: 1 });
    try {
      const a = await pool.acquire(16);
      const b = await pool.acquire(16);
      pool.release(a, true);
      pool.release(b, true);
      expect(pool.stats()).toMatchObject({ idle: 1, retired: 1 });
      expect(b.disposed).toBe(true);
    } finally {
      pool.close();
    }
  });

  it('makes acquirers wait in order beyond maxIsolates, honours abort, and fails waiters on close', async () => {
    const pool = new IsolatePool({ maxIsolates: 1 });
    const held = await pool.acquire(16);
    const order: string[] = [];
    const second = pool.acquire(16).then((p) => {
      order.push('second');
      return p;
    });
    const controller = new AbortController();
    const aborted = pool.acquire(16, controller.signal);
    const third = pool.acquire(16).then((p) => {
      order.push('third');
      return p;
    });
    expect(pool.stats()).toMatchObject({ leased: 1, waiting: 3 });
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    pool.release(held, true);
    const got = await second;
    expect(got).toBe(held);
    pool.release(got, true);
    pool.release(await third, true);
    expect(order).toEqual(['second', 'third']);
    const blocker = await pool.acquire(16);
    const waiting = pool.acquire(16);
    pool.close();
    await expect(waiting).rejects.toBeInstanceOf(SandboxClosedError);
    expect(blocker.disposed).toBe(true);
    await expect(pool.acquire(16)).rejects.toThrow('isolate pool is closed');
  });

  it("opens an isolate's realm on its first use and keeps it for the isolate's life", async () => {
    const pool = new IsolatePool();
    try {
      const pooled = await pool.acquire(16);
      let opened = 0;
      const spec = { source: '(function () { return { answer() { return 42; } }; })', filename: 'test-realm.js', members: ['answer'] };
      const open = (): Realm => {
        opened++;
        return Realm.open(pooled, spec, []);
      };
      const realm = pooled.realmOr(open);
      expect(pooled.realmOr(open)).toBe(realm);
      expect(opened).toBe(1);
      expect(await realm.member('answer').apply(undefined, [])).toBe(42);
      pool.release(pooled, true);
    } finally {
      pool.close();
    }
  });

  it('hands out fresh contexts beside the realm', async () => {
    const pool = new IsolatePool();
    try {
      const pooled = await pool.acquire(16);
      const context = await pooled.context();
      await context.eval('globalThis.marker = 1');
      context.release();
      pool.release(pooled, true);
      const again = await pool.acquire(16);
      const fresh = await again.context();
      expect(await fresh.eval('typeof marker')).toBe('undefined');
    } finally {
      pool.close();
    }
  });
});
