import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis, type TestRedis } from '@agentic-flow/testing';
import {
  REPORTED_MARKER_TTL_MS,
  ResultReporter,
  ResultStreamConsumer,
  createRedisConnection,
  reportedMarkerKey,
  reportedRuns,
  resultStreamKeys,
  type StepResult,
  type StreamEntry,
} from '@agentic-flow/queue';
import type { Redis } from 'ioredis';

let redis: TestRedis;
const connections: Redis[] = [];
const connect = (role: 'blocking' | 'producer') => {
  const c = createRedisConnection(redis.url, { role });
  connections.push(c);
  return c;
};

beforeAll(async () => {
  redis = await testRedis();
});
afterAll(async () => {
  connections.forEach((c) => c.disconnect());
  await redis?.cleanup();
});

const result = (i: number): StepResult => ({
  v: 1,
  outcome: 'succeeded',
  stepRunId: randomUUID(),
  executionId: randomUUID(),
  instanceKey: 's',
  attempt: 1,
  output: i,
  logs: [],
  startedAt: 1,
  finishedAt: 2,
  workerId: 'w',
});

/** A consumer whose handler records batches and decides which ids are done. */
function consumer(prefix: string, name: string, decide: (entries: StreamEntry[]) => string[] = (e) => e.map((x) => x.id), claimIdleMs = 30_000) {
  const batches: StreamEntry[][] = [];
  const errors: unknown[] = [];
  const c: ResultStreamConsumer = new ResultStreamConsumer({
    blocking: connect('blocking'),
    commands: connect('producer'),
    prefix,
    consumer: name,
    batchSize: 50,
    blockMs: 200,
    claimIdleMs,
    handle: async (entries) => {
      batches.push(entries);
      return decide(entries);
    },
    onError: (error) => errors.push(error),
  });
  return { c, batches, errors };
}

describe('the step-results stream', () => {
  it('delivers results written before any coordinator started, in batches, and deletes what is done', async () => {
    const prefix = `${redis.prefix}-a`;
    const reporter = new ResultReporter(connect('producer'), prefix);
    for (let i = 0; i < 30; i++) await reporter.report(result(i));
    const { c, batches } = consumer(prefix, 'one');
    await c.start();
    await expect.poll(() => batches.flat().length, { timeout: 5_000 }).toBe(30);
    expect(batches[0]!.length).toBe(30);
    expect(batches.flat().map((e) => (e.data as StepResult & { output: number }).output)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    await c.close();
    expect(await connect('producer').xlen(resultStreamKeys(prefix).stream)).toBe(0);
  });

  it('marks a reported result until a coordinator acknowledges it, and only that one', async () => {
    const prefix = `${redis.prefix}-marker`;
    const producer = connect('producer');
    const reporter = new ResultReporter(producer, prefix);
    const [first, second] = [result(1), result(2)];
    for (const r of [first, second]) await reporter.reportJson(JSON.stringify(r), r);
    const runs = [first, second].map((r) => ({ stepRunId: r.stepRunId, attempt: r.attempt }));
    expect(await reportedRuns(producer, prefix, runs)).toEqual(new Set([first.stepRunId, second.stepRunId]));
    expect(await producer.pttl(reportedMarkerKey(prefix, runs[0]!))).toBeGreaterThan(REPORTED_MARKER_TTL_MS - 60_000);
    // The handler finishes the first only: the second stays on its way, marked.
    const { c, batches } = consumer(prefix, 'marker', (entries) =>
      entries.filter((e) => (e.data as StepResult).stepRunId === first.stepRunId).map((e) => e.id),
    );
    await c.start();
    await expect.poll(() => batches.length, { timeout: 5_000 }).toBeGreaterThan(0);
    await expect.poll(() => reportedRuns(producer, prefix, runs), { timeout: 5_000 }).toEqual(new Set([second.stepRunId]));
    await c.close();
  });

  it('reports a result with its marker after Redis forgot its scripts (a restart, SCRIPT FLUSH)', async () => {
    const prefix = `${redis.prefix}-noscript`;
    const producer = connect('producer');
    const reporter = new ResultReporter(producer, prefix);
    const [first, second] = [result(1), result(2)];
    await reporter.reportJson(JSON.stringify(first), first);
    await producer.script('FLUSH');
    await reporter.reportJson(JSON.stringify(second), second);
    expect(await producer.xlen(resultStreamKeys(prefix).stream)).toBe(2);
    const runs = [first, second].map((r) => ({ stepRunId: r.stepRunId, attempt: r.attempt }));
    expect(await reportedRuns(producer, prefix, runs)).toEqual(new Set([first.stepRunId, second.stepRunId]));
  });

  it('reads again what a batch did not finish, and nothing it did', async () => {
    const prefix = `${redis.prefix}-b`;
    const reporter = new ResultReporter(connect('producer'), prefix);
    let first = true;
    const { c, batches } = consumer(prefix, 'one', (entries) => {
      if (!first) return entries.map((e) => e.id);
      first = false;
      return entries.slice(0, 1).map((e) => e.id);
    });
    await c.start();
    await reporter.report(result(1));
    await reporter.report(result(2));
    await expect.poll(() => batches.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    const outputs = batches.map((b) => b.map((e) => (e.data as { output: number }).output));
    expect(outputs.flat().filter((o) => o === 1)).toHaveLength(1);
    expect(outputs.at(-1)).toContain(2);
    expect(batches.at(-1)!.every((e) => e.deliveries === 2)).toBe(true);
    await c.close();
  });

  it('takes over the pending entries of a consumer that died', async () => {
    const prefix = `${redis.prefix}-c`;
    const reporter = new ResultReporter(connect('producer'), prefix);
    const dying = consumer(prefix, 'dying', () => []);
    await dying.c.start();
    await reporter.report(result(7));
    await expect.poll(() => dying.batches.length, { timeout: 5_000 }).toBeGreaterThan(0);
    await dying.c.close();
    const survivor = consumer(prefix, 'survivor', (e) => e.map((x) => x.id), 300);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await survivor.c.start();
    await expect.poll(() => survivor.batches.flat().map((e) => (e.data as { output: number }).output), { timeout: 5_000 }).toContain(7);
    await survivor.c.close();
  });

  it('keeps the reason with a dead letter', async () => {
    const prefix = `${redis.prefix}-d`;
    const commands = connect('producer');
    await commands.xadd(resultStreamKeys(prefix).stream, '*', 'r', 'not json');
    const { c, batches } = consumer(prefix, 'one', (entries) => entries.map((e) => e.id));
    const dead: string[] = [];
    await c.start();
    await expect.poll(() => batches.length, { timeout: 5_000 }).toBeGreaterThan(0);
    expect(batches[0]![0]!.data).toBeUndefined();
    await c.deadLetter(batches[0]![0]!, 'not a result');
    for (const [, fields] of await commands.xrange(resultStreamKeys(prefix).dead, '-', '+')) dead.push(fields[fields.indexOf('reason') + 1]!);
    expect(dead).toEqual(['not a result']);
    await c.close();
  });

  it('recreates its group when Redis lost it (a flush)', async () => {
    const prefix = `${redis.prefix}-e`;
    const commands = connect('producer');
    const { c, batches } = consumer(prefix, 'one');
    await c.start();
    await commands.del(resultStreamKeys(prefix).stream);
    await new ResultReporter(commands, prefix).report(result(9));
    await expect.poll(() => batches.flat().map((e) => (e.data as { output: number }).output), { timeout: 5_000 }).toContain(9);
    await c.close();
  });
});

describe('the step-results stream: results that kill their coordinator', () => {
  it('quarantines an entry taken over from consumers that died holding it, after the threshold, and counts only takeovers', async () => {
    const prefix = `${redis.prefix}-poison`;
    const keys = resultStreamKeys(prefix);
    const commands = connect('producer');
    const reporter = new ResultReporter(commands, prefix);
    await reporter.report(result(1));
    const innocent = result(2);
    const quarantined: { ids: string[]; crashes: number }[] = [];
    // A "coordinator" that dies while applying: its handler never returns, and it is abandoned.
    const dying = (name: string) => {
      const entered: string[] = [];
      const c = new ResultStreamConsumer({
        blocking: connect('blocking'),
        commands: connect('producer'),
        prefix,
        consumer: name,
        batchSize: 50,
        blockMs: 100,
        claimIdleMs: 300,
        poisonThreshold: 3,
        onPoison: async (entries, crashes) => {
          quarantined.push({ ids: entries.map((e) => e.id), crashes });
        },
        handle: (entries) => {
          entered.push(...entries.map((e) => e.id));
          return new Promise<string[]>(() => undefined);
        },
        onError: () => undefined,
      });
      return { c, entered };
    };
    const first = dying('first');
    await first.c.start();
    await expect.poll(() => first.entered.length, { timeout: 5_000 }).toBe(1);
    // Two more take it over from the dead one and die on it too; the entry is handed to each.
    for (const name of ['second', 'third']) {
      const next = dying(name);
      await next.c.start();
      await expect.poll(() => next.entered.length, { timeout: 5_000 }).toBe(1);
    }
    expect(Number(await commands.hget(keys.takeovers, first.entered[0]!))).toBe(2);
    // The third takeover reaches the threshold: quarantined, not handed to the handler, and done.
    await reporter.report(innocent);
    const applied: StreamEntry[] = [];
    const c = new ResultStreamConsumer({
      blocking: connect('blocking'),
      commands: connect('producer'),
      prefix,
      consumer: 'survivor',
      batchSize: 50,
      blockMs: 100,
      claimIdleMs: 300,
      poisonThreshold: 3,
      onPoison: async (entries, crashes) => {
        quarantined.push({ ids: entries.map((e) => e.id), crashes });
      },
      handle: async (entries) => {
        applied.push(...entries);
        return entries.map((e) => e.id);
      },
      onError: () => undefined,
    });
    await c.start();
    await expect.poll(() => quarantined.length, { timeout: 5_000 }).toBe(1);
    expect(quarantined[0]).toEqual({ ids: [first.entered[0]], crashes: 3 });
    // The innocent result, read normally (never taken over), is applied and not counted.
    await expect.poll(() => applied.some((e) => (e.data as { stepRunId: string }).stepRunId === innocent.stepRunId), { timeout: 5_000 }).toBe(true);
    expect(applied.some((e) => e.id === first.entered[0])).toBe(false);
    await expect.poll(async () => commands.xlen(keys.stream), { timeout: 5_000 }).toBe(0);
    expect(await commands.hlen(keys.takeovers)).toBe(0);
    await c.close();
  });
});
