import { BenchCluster } from '../bench-cluster.js';

/**
 * Latency of `getWorkflowMetrics` and `getStepMetrics` over the last 24 hours, through the API,
 * with `stored` executions settled over those 24 hours (each with one step run). The rows are
 * written with SQL, as the write path would leave them: executions inserted running and then
 * settled by an UPDATE, step runs inserted settled, so the metric triggers record them exactly as
 * they do for real transitions; the leader folds the deltas into rollups before the timing starts.
 */
export async function metricsLatency(
  stored: number,
  requests: number,
  log: (message: string) => void = () => undefined,
): Promise<{ workflowMetricsMs: number[]; stepMetricsMs: number[]; seedMs: number; foldMs: number }> {
  const cluster = await BenchCluster.start({ workers: [], coordinatorEnv: { MAINTENANCE_INTERVAL_MS: '500' } });
  try {
    const client = cluster.client(0);
    for (const id of ['a', 'b'])
      await client.createWorkflow({ id, name: id, version: '1', steps: [{ id: 's', type: 'script', config: { script: 'return 1;' } }] });
    const seedStarted = performance.now();
    const chunk = 100_000;
    for (let offset = 0; offset < stored; offset += chunk) {
      const count = Math.min(chunk, stored - offset);
      // Spread over the last 86,000 s; nine in ten complete, one fails; durations up to 3 s.
      await cluster.sql.query(
        `with e as (
           insert into workflow_executions (id, namespace, workflow_id, workflow_version, status, state, variables, created_at, started_at, updated_at)
           select gen_random_uuid(), 'default', case when i % 2 = 0 then 'a' else 'b' end, '1', 'running', '{"v":1}'::jsonb, '{}'::jsonb, t, t, now()
             from generate_series($1::int + 1, $1::int + $2::int) as i, lateral (select now() - make_interval(secs => i::float8 * 86000 / $3::int)) as c(t)
           returning id, created_at)
         insert into step_runs (id, execution_id, step_id, instance_key, step_type, attempt, status, queued_at, started_at, finished_at)
         select gen_random_uuid(), id, 's', 's', case when random() < 0.5 then 'http' else 'script' end, 1, case when random() < 0.1 then 'failed' else 'succeeded' end,
                created_at, created_at + interval '5 ms', created_at + interval '5 ms' + make_interval(secs => random() * 2)
           from e`,
        [offset, count, stored],
      );
      await cluster.sql.query(
        `update workflow_executions set status = case when random() < 0.1 then 'failed' else 'completed' end, finished_at = started_at + make_interval(secs => random() * 3)
          where status = 'running'`,
      );
      log(`metrics: ${offset + count} of ${stored} executions stored`);
    }
    const seedMs = performance.now() - seedStarted;
    const foldStarted = performance.now();
    for (;;) {
      const { rows } = await cluster.sql.query<{ left: boolean }>(
        `select exists (select 1 from metric_execution_deltas) or exists (select 1 from metric_step_deltas) as left`,
      );
      if (!rows[0]!.left) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const foldMs = performance.now() - foldStarted;
    await cluster.sql.query('vacuum analyze');
    const time = async (call: () => Promise<unknown>): Promise<number[]> => {
      for (let i = 0; i < 5; i++) await call();
      const out: number[] = [];
      for (let i = 0; i < requests; i++) {
        const started = performance.now();
        await call();
        out.push(performance.now() - started);
      }
      return out;
    };
    const check = await client.monitor.getWorkflowMetrics();
    if (check.completedExecutions + check.failedExecutions < stored * 0.99)
      throw new Error(`metrics bench: only ${check.completedExecutions + check.failedExecutions} of ${stored} executions counted`);
    return {
      workflowMetricsMs: await time(() => client.monitor.getWorkflowMetrics()),
      stepMetricsMs: await time(() => client.monitor.getStepMetrics()),
      seedMs,
      foldMs,
    };
  } finally {
    await cluster.stop();
  }
}
