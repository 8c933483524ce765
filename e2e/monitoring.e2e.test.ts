import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgenticFlowClient, type AlertView } from '@agentic-flow/sdk';
import { startCluster, type Cluster } from './cluster.js';
import { rejection } from './rejection.js';

const SECRET = 'whsec-0123456789abcdef0123456789';

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The signature checked against SECRET (true), wrong (false), or absent (null). */
  signed: boolean | null;
  json: {
    event?: string;
    alert?: { id?: string; type: string; state: string; severity?: string; executionId?: string; message: string; data?: Record<string, unknown> };
    text?: string;
  };
}

/** A webhook receiver on 127.0.0.1 verifying X-AF-Signature; `/flaky` answers 500 to its first request. */
async function startReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  let flakyCalls = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url === '/data') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        return;
      }
      const timestamp = String(req.headers['x-af-timestamp'] ?? '');
      const signature = req.headers['x-af-signature'];
      let signed: boolean | null = null;
      if (typeof signature === 'string') {
        const expected = Buffer.from(`v1=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`);
        signed =
          expected.length === signature.length && timingSafeEqual(expected, Buffer.from(signature)) && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
      }
      received.push({ path: req.url ?? '', headers: req.headers, body, signed, json: JSON.parse(body) as Received['json'] });
      if (req.url === '/flaky' && flakyCalls++ === 0) {
        res.writeHead(500).end('try again');
        return;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('WorkflowMonitor and alert sinks on a real cluster', () => {
  let cluster: Cluster;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    // A script worker only: http steps wait with no live worker.
    cluster = await startCluster(
      [['script']],
      {
        coordinator: {
          MAINTENANCE_INTERVAL_MS: '200',
          EGRESS_ALLOW: '127.0.0.1',
          AF_SECRET_HOOK_SECRET: SECRET,
          ALERT_DELIVERY_BACKOFF_MS: '100',
          ALERT_DELIVERY_ATTEMPTS: '3',
        },
      },
      { coordinators: 2 },
    );
    await cluster.client.createWorkflow({
      id: 'calc',
      name: 'calc',
      version: '1',
      steps: [{ id: 'add', type: 'script', config: { script: 'return variables.n + 1;' } }],
    });
    await cluster.client.createWorkflow({
      id: 'boom',
      name: 'boom',
      version: '1',
      steps: [{ id: 'explode', type: 'script', config: { script: 'throw new Error("boom");' } }],
    });
    await cluster.client.createWorkflow({
      id: 'fetch',
      name: 'fetch',
      version: '1',
      steps: [{ id: 'get', type: 'http', config: { url: `${receiver.url}/data`, method: 'GET' } }],
    });
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), receiver?.close()]);
  });

  it('answers workflow and step metrics of the namespace over a window', async () => {
    const ok = await Promise.all(Array.from({ length: 4 }, (_, n) => cluster.client.executeWorkflow('calc', { n })));
    const failed = await cluster.client.executeWorkflow('boom', {});
    for (const id of [...ok, failed]) await cluster.client.waitForCompletion(id, { timeoutMs: 30_000 });

    const calc = await cluster.client.monitor.getWorkflowMetrics({ workflowId: 'calc' });
    expect(calc).toMatchObject({ workflowId: 'calc', totalExecutions: 4, completedExecutions: 4, failedExecutions: 0, errorRate: 0 });
    expect(calc.averageExecutionTime).toBeGreaterThanOrEqual(0);
    expect(calc.p95ExecutionTime).not.toBeNull();
    const all = await cluster.client.monitor.getWorkflowMetrics();
    expect(all).toMatchObject({ completedExecutions: 4, failedExecutions: 1, errorRate: 0.2 });
    expect(all.throughput).toBeCloseTo(5 / (24 * 60), 2);

    const steps = await cluster.client.monitor.getStepMetrics({ stepType: 'script' });
    expect(steps.items).toEqual([expect.objectContaining({ stepType: 'script', count: 5, failed: 1, errorRate: 0.2, retries: 0 })]);
    expect(steps.items[0]!.p50Duration).not.toBeNull();
    expect(steps.items[0]!.queueWaitP95).not.toBeNull();
    const byStep = await cluster.client.monitor.getStepMetrics({ byStep: true });
    expect(byStep.items.map((i) => `${i.workflowId}/${i.stepId}:${i.count}`).sort()).toEqual(['boom/explode:1', 'calc/add:4']);

    const past = await cluster.client.monitor.getWorkflowMetrics({ from: new Date(Date.now() - 7_200_000), to: new Date(Date.now() - 3_600_000) });
    expect(past.totalExecutions).toBe(0);
    const bad = await rejection(cluster.client.monitor.getWorkflowMetrics({ from: 'yesterday' }));
    expect(bad.status).toBe(400);
  });

  it('persists thresholds for every coordinator, and refuses values out of range without changing anything', async () => {
    const before = await cluster.client.monitor.getSettings();
    expect(before.thresholds).toMatchObject({ maxErrorRate: 0.1, maxQueueSize: 1000 });
    const refused = await rejection(cluster.client.monitor.updateThresholds({ maxQueueSize: 5, maxErrorRate: 2 }));
    expect(refused.status).toBe(400);
    expect(refused.problems.map((p) => p.path)).toEqual(['$.body.maxErrorRate']);
    expect((await cluster.client.monitor.getSettings()).thresholds).toEqual(before.thresholds);
    expect((await rejection(cluster.client.monitor.updateThresholds({ maxLatency: 5 } as never))).status).toBe(400);

    const updated = await cluster.client.monitor.updateThresholds({ maxQueueSize: 500, maxErrorRate: 0.5 });
    expect(updated.thresholds).toMatchObject({ maxQueueSize: 500, maxErrorRate: 0.5, maxExecutionTime: 300_000 });
    // The other coordinator answers the same: one set for the cluster, in PostgreSQL.
    const other = new AgenticFlowClient({ baseUrl: cluster.coordinators[1]!.url, apiKey: cluster.coordinators[1]!.adminKey });
    expect((await other.monitor.getSettings()).thresholds).toEqual(updated.thresholds);
    expect((await cluster.client.monitor.updateThresholds({ maxQueueSize: null })).thresholds.maxQueueSize).toBe(1000);
    expect((await rejection(cluster.client.monitor.startMonitoring(5))).status).toBe(400);
    expect((await cluster.client.monitor.startMonitoring(200)).intervalMs).toBe(200);
  });

  it('configures sinks by API: http(s) URLs only, known secrets only, the value never returned', async () => {
    for (const url of ['ftp://127.0.0.1/hook', 'file:///etc/passwd', 'not a url', 'http://user:pw@127.0.0.1/']) {
      const error = await rejection(cluster.client.monitor.putAlertSink('bad', { url }));
      expect(error.status).toBe(400);
      expect(error.problems[0]!.path).toBe('$.body.url');
    }
    const unknown = await rejection(cluster.client.monitor.putAlertSink('bad', { url: `${receiver.url}/x`, secretName: 'NOPE' }));
    expect(unknown).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect((await rejection(cluster.client.monitor.putAlertSink('bad', { url: `${receiver.url}/x`, events: ['alert:exploded' as never] }))).status).toBe(400);
    expect((await rejection(cluster.client.monitor.getAlertSink('bad'))).code).toBe('ALERT_SINK_NOT_FOUND');

    const ops = await cluster.client.monitor.putAlertSink('ops', { url: `${receiver.url}/flaky`, secretName: 'HOOK_SECRET', alertTypes: ['no-worker'] });
    expect(ops).toMatchObject({ name: 'ops', secretName: 'HOOK_SECRET', events: ['alert:created', 'alert:resolved'], format: 'json' });
    expect(JSON.stringify(ops)).not.toContain(SECRET);
    await cluster.client.monitor.putAlertSink('chat', { url: `${receiver.url}/slack`, format: 'slack', events: ['alert:created'], alertTypes: ['no-worker'] });
    // Only escalations naming it reach this one (its alert types match nothing else).
    await cluster.client.monitor.putAlertSink('pager', { url: `${receiver.url}/pager`, secretName: 'HOOK_SECRET', alertTypes: ['none'] });
    // 127.0.0.2 is not in EGRESS_ALLOW: refused before any connection.
    await cluster.client.monitor.putAlertSink('outside', { url: 'http://127.0.0.2:9/hook', alertTypes: ['no-worker'] });
    expect((await cluster.client.monitor.listAlertSinks()).items.map((s) => s.name)).toEqual(['chat', 'ops', 'outside', 'pager']);
  });

  it('raises one alert while a step type has waiting jobs and no live worker, one resolved when a worker comes, and delivers both signed', async () => {
    const execution = await cluster.client.executeWorkflow('fetch', {});
    const health = await until('a critical health status', async () => {
      const status = await cluster.client.monitor.getHealthStatus();
      return status.status === 'critical' ? status : undefined;
    });
    expect(health.recommendations).toContain('queue step-http has 1 waiting and no live worker: start a worker with STEP_TYPES=http');
    expect(health.components.postgres.reachable).toBe(true);
    expect(health.components.redis.latencyMs).not.toBeNull();
    expect(health.components.queues.find((q) => q.stepType === 'http')).toMatchObject({ waiting: 1, liveWorkers: 0 });
    expect(health.components.queues.find((q) => q.stepType === 'http')!.oldestWaitingAgeMs).toBeGreaterThanOrEqual(0);
    expect(health.components.workers.byStepType).toMatchObject({ script: 1, http: 0 });
    expect(health.components.coordinators.total).toBe(2);
    expect(health.components.coordinators.live.filter((c) => c.leader).map((c) => c.id)).toEqual([health.components.coordinators.leader]);

    const noWorker = (alerts: AlertView[]) => alerts.filter((a) => a.condition === 'no-worker:http');
    await until('the no-worker alert', async () => noWorker(await cluster.client.monitor.getAlerts(100)).length > 0);
    // Several evaluation intervals (200 ms) later: still one alert.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const firing = noWorker(await cluster.client.monitor.getAlerts(100));
    expect(firing.map((a) => a.state)).toEqual(['firing']);
    expect(firing[0]).toMatchObject({ type: 'no-worker', severity: 'critical', namespace: '*' });

    await cluster.addWorker(['http']);
    expect((await cluster.client.waitForCompletion(execution, { timeoutMs: 30_000 })).status).toBe('completed');
    await until('the resolved alert', async () => noWorker(await cluster.client.monitor.getAlerts(100)).length === 2);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(noWorker(await cluster.client.monitor.getAlerts(100)).map((a) => a.state)).toEqual(['resolved', 'firing']);

    // The signed sink: the first attempt answered 500, the retry delivered; both events, each once.
    const opsDeliveries = await until('both ops deliveries delivered', async () => {
      const { items } = await cluster.client.monitor.getAlertDeliveries('ops');
      return items.length === 2 && items.every((d) => d.status === 'delivered') ? items : undefined;
    });
    expect(opsDeliveries.map((d) => d.event).sort()).toEqual(['alert:created', 'alert:resolved']);
    expect(opsDeliveries.reduce((sum, d) => sum + d.attempts, 0)).toBe(3);
    const atOps = receiver.received.filter((r) => r.path === '/flaky');
    expect(atOps.every((r) => r.signed === true)).toBe(true);
    expect(new Set(atOps.map((r) => r.headers['x-af-delivery'])).size).toBe(2);
    const created = atOps.find((r) => r.json.event === 'alert:created')!;
    expect(created.json.alert).toMatchObject({ type: 'no-worker', state: 'firing', message: 'queue step-http has 1 waiting and no live worker' });
    expect(atOps.find((r) => r.json.event === 'alert:resolved')!.json.alert).toMatchObject({ state: 'resolved' });

    // Slack format, unsigned, created only.
    const slack = await until('the slack delivery', async () => receiver.received.filter((r) => r.path === '/slack').at(0));
    expect(slack.signed).toBeNull();
    expect(slack.json).toEqual({ text: '[critical] queue step-http has 1 waiting and no live worker (cluster, no-worker)' });
    // The egress policy refused the outside sink at once: failed after one attempt, nothing sent.
    const outside = await until('the refused delivery', async () => {
      const { items } = await cluster.client.monitor.getAlertDeliveries('outside');
      return items.length === 2 && items.every((d) => d.status === 'failed') ? items : undefined;
    });
    expect(outside.every((d) => d.attempts === 1 && /egress to 127\.0\.0\.2:9 denied/.test(d.lastError ?? ''))).toBe(true);
  });

  it('raises one alert when a threshold is breached and one resolved when it no longer is', async () => {
    // 1 failed of 6 settled in the window (4 calc, 1 boom, 1 fetch): 16.7 %.
    const errorRate = async () => (await cluster.client.monitor.getAlerts(200)).filter((a) => a.condition === 'error-rate');
    await cluster.client.monitor.updateThresholds({ maxErrorRate: 0.1, minSamples: 3, evaluationWindow: 3_600_000 });
    await until('the error-rate alert', async () => (await errorRate()).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const [firing] = await errorRate();
    expect(firing).toMatchObject({ state: 'firing', type: 'threshold', namespace: 'default' });
    expect(firing!.message).toMatch(/^error rate 16.7% over the last 3600 s is above maxErrorRate 10%$/);
    await cluster.client.monitor.updateThresholds({ maxErrorRate: 0.5 });
    await until('the resolved alert', async () => (await errorRate()).length === 2);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect((await errorRate()).map((a) => a.state)).toEqual(['resolved', 'firing']);
    await cluster.client.monitor.updateThresholds({ maxErrorRate: null, minSamples: null, evaluationWindow: null });
  });

  it('delivers an escalation to the sink its escalationHandler names', async () => {
    await cluster.client.errorHandler.registerRecoveryStrategy({ workflowId: 'boom', stepId: 'explode' }, { type: 'escalate', escalationHandler: 'pager' });
    // The other coordinator loads strategies every 2 s; it may be the one applying the failure.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const executionId = await cluster.client.executeWorkflow('boom', {});
    const delivered = await until('the escalation at the pager sink', async () => receiver.received.find((r) => r.path === '/pager'));
    expect(delivered.signed).toBe(true);
    expect(delivered.json).toMatchObject({ event: 'alert:created', alert: { type: 'escalation', state: 'firing' } });
    expect(delivered.json.alert!.data).toMatchObject({ escalationHandler: 'pager', stepId: 'explode' });
    const deliveries = await until('its status', async () => {
      const { items } = await cluster.client.monitor.getAlertDeliveries('pager');
      return items[0]?.status === 'delivered' ? items : undefined;
    });
    expect(deliveries).toHaveLength(1);

    // Deciding it ends the escalation: the same sink hears that it is resolved.
    const [open] = (await cluster.client.errorHandler.listErrors({ executionId, status: 'open' })).items;
    await cluster.client.errorHandler.resolveError(open!.id, { action: 'skip' });
    const resolved = await until('the resolution at the pager sink', async () =>
      receiver.received.find((r) => r.path === '/pager' && r.json.event === 'alert:resolved'),
    );
    expect(resolved.json.alert).toMatchObject({ type: 'escalation', state: 'resolved', severity: 'info', executionId });
    expect(resolved.json.alert!.data).toMatchObject({ alertId: delivered.json.alert!.id, resolution: { action: 'skip' } });
    expect((await cluster.client.monitor.getAlerts(200)).filter((a) => a.errorId === open!.id).map((a) => a.state)).toEqual(['resolved', 'firing']);
  });
});
