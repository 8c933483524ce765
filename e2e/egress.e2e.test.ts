import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionView, WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { startCluster, type Cluster } from './cluster.js';
import { startDataServer, type DataServer } from './data-server.js';

/**
 * The worker's egress policy in a real cluster: its http worker allows one local server (the
 * "allowed" API, by address and port) and nothing else on this machine. Workflows aimed at the
 * coordinator's own API or at another local port fail with EGRESS_DENIED, naming the address;
 * nothing reaches those servers, nothing is retried, and no target's circuit breaker moves.
 */
const call: WorkflowDefinitionInput = {
  id: 'egress-call',
  name: 'egress call',
  version: '1',
  steps: [
    {
      id: 'call',
      type: 'http',
      config: { url: '{{ variables.url }}', retries: 2, retryDelay: 500, timeout: 5000 },
      onError: { type: 'retry', maxAttempts: 3, retryDelay: 500 },
    },
  ],
};

describe('egress policy of http steps', () => {
  let cluster: Cluster;
  let allowed: DataServer;
  let other: DataServer;
  let coordinatorPort: number;

  const run = async (url: string): Promise<ExecutionView> => {
    const id = await cluster.client.executeWorkflow(call.id, { url });
    return cluster.client.waitForCompletion(id, { timeoutMs: 20_000 });
  };

  beforeAll(async () => {
    [allowed, other] = await Promise.all([startDataServer(), startDataServer()]);
    // Only the allowed API's address and port: the default test allow list (all of 127.0.0.1) is replaced.
    cluster = await startCluster([['http']], { worker: { EGRESS_ALLOW: new URL(allowed.url).host, CIRCUIT_FAILURE_THRESHOLD: '2' } });
    coordinatorPort = Number(new URL(cluster.coordinator.url).port);
    await cluster.client.createWorkflow(call);
  });

  afterAll(async () => {
    await Promise.all([cluster?.stop(), allowed?.close(), other?.close()]);
  });

  it('denies a step calling the coordinator’s own API, naming the address', async () => {
    const execution = await run(`${cluster.coordinator.url}/v1/workflows`);
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatchObject({ code: 'EGRESS_DENIED', stepId: 'call' });
    expect(execution.error?.message).toContain(`egress to 127.0.0.1:${coordinatorPort} denied: loopback address (set EGRESS_ALLOW to open it)`);
    const step = execution.steps[0]!;
    // Neither the step's own retries nor its retry strategy tried again: the policy would refuse again.
    expect(step).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { code: 'EGRESS_DENIED', details: { address: '127.0.0.1', port: coordinatorPort, reason: 'loopback', attempts: 1 } },
    });
    expect(execution.steps).toHaveLength(1);
  });

  it('denies another local port, which never hears of it', async () => {
    const execution = await run(`${other.url}/data`);
    expect(execution.error).toMatchObject({ code: 'EGRESS_DENIED' });
    expect(execution.error?.message).toContain(`egress to ${new URL(other.url).host} denied: loopback address`);
    expect(other.requests).toEqual([]);
  });

  it('checks names by the address they resolve to, denies the metadata service, and lets the allowed API through', async () => {
    const [byName, byNameAllowed, metadata, fine] = await Promise.all([
      run(`http://localhost:${new URL(other.url).port}/data`),
      // localhost resolves to 127.0.0.1, and 127.0.0.1 on the allowed port is in the allow list.
      run(`http://localhost:${new URL(allowed.url).port}/data`),
      run('http://169.254.169.254/latest/meta-data/'),
      run(`${allowed.url}/data`),
    ]);
    expect(byName.error?.message).toMatch(/egress to localhost:\d+ denied: localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(byNameAllowed.status).toBe('completed');
    expect(metadata.error?.message).toContain('egress to 169.254.169.254:80 denied: link-local address (the cloud metadata service)');
    expect(fine.status).toBe('completed');
    expect(allowed.requests).toEqual([
      { method: 'GET', url: '/data' },
      { method: 'GET', url: '/data' },
    ]);
    expect(other.requests).toEqual([]);
  });

  it('counts denials against the step, never against the target’s circuit breaker', async () => {
    // Twice the breaker's threshold of denials at the coordinator's address...
    for (let i = 0; i < 4; i++) expect((await run(`${cluster.coordinator.url}/v1/workflows`)).error?.code).toBe('EGRESS_DENIED');
    const breakers = (await cluster.client.errorHandler.getCircuitBreakers()).items;
    const key = `http:127.0.0.1:${coordinatorPort}`;
    // ...leave its breaker closed with no failures (or never created).
    expect(breakers.filter((b) => b.key === key && (b.state !== 'closed' || b.failures > 0))).toEqual([]);
  });
});
