import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERROR_CODES } from '../apps/coordinator/src/http/api-error.js';
import { YAML_BODY_LIMIT, YAML_TYPES } from '../apps/coordinator/src/http/body-gate.js';
import { startCluster, type Cluster } from './cluster.js';
import { WORKFLOW_IDS, definitionRequest, describeRequest, executionRequest, readRequest, type FuzzRequest } from './fuzz-arbitraries.js';
import { rowCounter, type RowCounts } from './row-counts.js';

/**
 * Property-based fuzzing of the API on a real coordinator: thousands of generated requests —
 * definitions from a model of valid ones with random mutations, execution requests, list queries,
 * cursors and ids in paths, odd text, random content types, raw bytes. Every answer must be below
 * 500; every 4xx must have our error shape with a documented code and must have written nothing;
 * the coordinator must still answer afterwards.
 *
 * Reproducible: the seed is fixed (FUZZ_SEED overrides it) and printed; a failure prints the
 * counterexample and the seed and path to replay it. No worker runs, so between requests nothing
 * else writes and the row counts before and after each request can be compared.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_260_207);
const RUNS = { definitions: 900, executions: 600, reads: 600 };
const DOCUMENTED = new Set(Object.keys(API_ERROR_CODES));
/** A file to append every request to before it is sent: the last line names a request that hung. */
const TRACE = process.env['FUZZ_TRACE'];
/** The coordinator's default BODY_LIMIT: over it, it answers 413 without reading, and closes the connection. */
const BODY_LIMIT = 5 * 1024 * 1024;
/** Node's limit on the request line and headers: over it, it answers 431 and closes the connection. */
const HEADER_LIMIT = 16 * 1024;
/** No request may take longer: a slower answer is a hang (or quadratic work) to find. */
const REQUEST_TIMEOUT_MS = 10_000;

interface Exchange {
  status: number;
  text: string;
}

describe('API fuzzing: no 5xx, a documented error shape, and nothing written on a 4xx', () => {
  let cluster: Cluster;
  let rows: Awaited<ReturnType<typeof rowCounter>>;
  let counts: RowCounts;
  let sent = 0;
  const statuses = new Map<number, number>();
  const known = { executionIds: [] as string[], stepRunIds: [] as string[], cursors: [] as string[] };

  beforeAll(async () => {
    console.log(`api-fuzz: seed ${SEED} (FUZZ_SEED=${SEED} to replay)`);
    cluster = await startCluster([]);
    rows = await rowCounter(cluster.databaseUrl);
    // Something to find: each workflow registered, a few executions (no worker: they stay running), cursors.
    for (const id of WORKFLOW_IDS) {
      await cluster.client.createWorkflow({ id, name: id, version: '0', steps: [{ id: 'only', type: 'script', config: { script: 'return 1' } }] });
      for (let i = 0; i < 2; i++) known.executionIds.push(await cluster.client.executeWorkflow(id));
    }
    for (const id of known.executionIds) known.stepRunIds.push(...(await cluster.client.getExecution(id, { outputs: false })).steps.map((s) => s.id));
    known.cursors.push((await cluster.client.listExecutions({ limit: 1 })).nextCursor!, (await cluster.client.listWorkflows({ limit: 1 })).nextCursor!);
    counts = await rows.counts();
  });
  /** Prints how the phase's answers spread over statuses, so a generator that only produces 415s shows. */
  function report(phase: string): void {
    console.log(`api-fuzz ${phase}: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
    statuses.clear();
  }

  afterAll(async () => {
    console.log(`api-fuzz: ${sent} requests`);
    // A coordinator that died or stalled says why in its last lines.
    const exited = await Promise.race([cluster?.coordinator.exited, new Promise((resolve) => setTimeout(() => resolve(null), 10))]);
    if (exited !== null && exited !== undefined)
      console.log(`api-fuzz: the coordinator exited (${String(exited)}); its last lines:\n${cluster.coordinator.lines.slice(-30).join('\n')}`);
    await rows?.close();
    await cluster?.stop();
  });

  /**
   * The answer; null when the coordinator refused an oversized body or URL by closing the
   * connection while the client was still sending it (the client then sees a reset, not the answer).
   */
  async function exchange(request: FuzzRequest): Promise<Exchange | null> {
    const headers: Record<string, string> = { authorization: `Bearer ${cluster.coordinator.adminKey}` };
    if (request.contentType !== undefined) headers['content-type'] = request.contentType;
    sent += 1;
    if (TRACE) appendFileSync(TRACE, `${sent} ${describeRequest(request)}\n`);
    let response: Response;
    try {
      response = await fetch(`${cluster.coordinator.url}${request.path}`, {
        method: request.method,
        headers,
        ...(request.body ? { body: request.body } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      if (refusedUnread(request)) return null;
      throw error;
    }
    const text = await response.text();
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    return { status: response.status, text };
  }

  /** Whether the coordinator may answer before reading the request whole, and close the connection. */
  function refusedUnread(request: FuzzRequest): boolean {
    const size = request.body?.length ?? 0;
    const yaml = YAML_TYPES.includes((request.contentType ?? '').split(';')[0]!.trim().toLowerCase());
    return size > BODY_LIMIT || (yaml && size > YAML_BODY_LIMIT) || request.path.length > HEADER_LIMIT;
  }

  /** The properties every answer must have; the row counts are the previous answer's "after". */
  async function check(request: FuzzRequest): Promise<void> {
    const answer = await exchange(request);
    const after = await rows.counts();
    const before = counts;
    counts = after;
    if (answer === null) {
      expect(after, `wrote on an oversized body: ${describeRequest(request)}`).toEqual(before);
      return;
    }
    const { status, text } = answer;
    const what = `${describeRequest(request)} → ${status} ${text.slice(0, 500)}`;
    expect(status, what).toBeLessThan(500);
    if (status < 400) return;
    let body: { error?: { code?: unknown; message?: unknown; problems?: unknown } };
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`not JSON: ${what}`);
    }
    expect(typeof body.error?.message, what).toBe('string');
    expect(DOCUMENTED.has(String(body.error?.code)), `undocumented code: ${what}`).toBe(true);
    if (body.error?.problems !== undefined) {
      expect(Array.isArray(body.error.problems), what).toBe(true);
      for (const problem of body.error.problems as { path: unknown; message: unknown }[]) {
        expect(String(problem.path), what).toMatch(/^\$/);
        expect(typeof problem.message, what).toBe('string');
      }
    }
    expect(after, `wrote on a ${status}: ${what}`).toEqual(before);
  }

  const run = (arbitrary: fc.Arbitrary<FuzzRequest>, numRuns: number) =>
    // No shrinking: every request is a round trip (some of megabytes), and the first failing one prints readably.
    fc.assert(fc.asyncProperty(arbitrary, check), { seed: SEED, numRuns, endOnFailure: true });

  it(`POST /v1/workflows: ${RUNS.definitions} definitions, valid, mutated or random`, async () => {
    await run(definitionRequest, RUNS.definitions);
    report('definitions');
  });

  it(`POST /v1/workflows/:id/executions: ${RUNS.executions} requests`, async () => {
    await run(executionRequest, RUNS.executions);
    report('executions');
  });

  it(`lists and reads: ${RUNS.reads} queries, cursors and ids in paths`, async () => {
    await run(readRequest({ executionIds: () => known.executionIds, stepRunIds: () => known.stepRunIds, cursors: () => known.cursors }), RUNS.reads);
    report('reads');
  });

  it('the coordinator still answers', async () => {
    expect(sent).toBeGreaterThanOrEqual(2_000);
    expect((await fetch(`${cluster.coordinator.url}/healthz`)).status).toBe(200);
    expect((await cluster.client.listWorkflows({ limit: 1 })).items).toHaveLength(1);
  });
});
