import type pg from 'pg';
import { histogramIndexSql, histogramQuantile, histogramTotal } from './duration-histogram.js';

/** What a metrics query asks: one namespace, a window [from, to), optionally one workflow or step type. */
export interface MetricsWindow {
  namespace: string;
  from: Date;
  to: Date;
  workflowId?: string | undefined;
}

export interface WorkflowMetricsRow {
  totalExecutions: number;
  completedExecutions: number;
  failedExecutions: number;
  cancelledExecutions: number;
  runningExecutions: number;
  /** ms; null when nothing settled in the window. */
  averageExecutionTime: number | null;
  p95ExecutionTime: number | null;
  /** failed / settled, 0–1. */
  errorRate: number;
  /** Settled executions per minute over the window. */
  throughput: number;
}

export interface StepMetricsRow {
  stepType: string;
  /** With `byStep`: the workflow and step id of the group. */
  workflowId?: string;
  stepId?: string;
  count: number;
  failed: number;
  retries: number;
  errorRate: number;
  averageDuration: number | null;
  p50Duration: number | null;
  p95Duration: number | null;
  p99Duration: number | null;
  queueWaitP95: number | null;
}

type Queryable = Pick<pg.Pool, 'query'>;

// A window reads whole hours at hour grain and its ends at minute grain (from rounded down to its
// minute): $2 from, $3 to, and $h1/$h2 the hours [h1, h2) read at hour grain (empty: h1 = h2 = to).
// The deltas the leader has not folded in yet are read exactly.
function rollupRange(h1: string, h2: string): string {
  return `((grain = 'h' and bucket >= ${h1} and bucket < ${h2})
          or (grain = 'm' and bucket >= date_trunc('minute', $2::timestamptz) and bucket < ${h1})
          or (grain = 'm' and bucket >= ${h2} and bucket < $3::timestamptz))`;
}
const DELTA_RANGE = `finished_at >= date_trunc('minute', $2::timestamptz) and finished_at < $3::timestamptz`;

/** The whole hours of [from, to), or an empty range at `to`. */
export function wholeHours(from: Date, to: Date): [Date, Date] {
  const hour = 3_600_000;
  const h1 = Math.ceil((Math.floor(from.getTime() / 60_000) * 60_000) / hour) * hour;
  const h2 = Math.floor(to.getTime() / hour) * hour;
  return h1 < h2 ? [new Date(h1), new Date(h2)] : [to, to];
}

/**
 * `getWorkflowMetrics`: executions settled in the window by status, their average and p95 duration,
 * error rate and throughput, plus the executions running now that started in it. Reads the
 * per-minute rollups and the deltas not folded in yet (see migration 0010): its cost grows with the
 * window's minutes, not with the executions stored.
 */
export async function workflowMetrics(db: Queryable, window: MetricsWindow): Promise<WorkflowMetricsRow> {
  const wf = `($4::text is null or workflow_id = $4::text)`;
  const params = [window.namespace, window.from, window.to, window.workflowId ?? null, ...wholeHours(window.from, window.to)];
  const ROLLUP_RANGE = rollupRange('$5::timestamptz', '$6::timestamptz');
  const { rows } = await db.query<{
    completed: string;
    failed: string;
    cancelled: string;
    duration: number | null;
    running: string;
    hist: [number, string][] | null;
  }>(
    `with sums as (
        select completed, failed, cancelled, duration_sum_ms from execution_rollups where namespace = $1 and ${ROLLUP_RANGE} and ${wf}
        union all
        select count(*) filter (where status = 'completed'), count(*) filter (where status = 'failed'), count(*) filter (where status = 'cancelled'), coalesce(sum(duration_ms), 0)
          from metric_execution_deltas where namespace = $1 and ${DELTA_RANGE} and ${wf}),
      hist as (
        select idx, sum(n) as n from (
          select h.key::int as idx, h.value::bigint as n from execution_rollups, jsonb_each_text(duration_hist) as h where namespace = $1 and ${ROLLUP_RANGE} and ${wf}
          union all
          select ${histogramIndexSql('duration_ms')}, 1 from metric_execution_deltas where namespace = $1 and ${DELTA_RANGE} and ${wf}) h
        group by idx)
      select coalesce(sum(completed), 0) as completed, coalesce(sum(failed), 0) as failed, coalesce(sum(cancelled), 0) as cancelled,
             sum(duration_sum_ms)::float8 as duration,
             (select count(*) from workflow_executions where status = 'running' and namespace = $1 and ${wf} and created_at >= $2 and created_at < $3) as running,
             (select json_agg(json_build_array(idx, n)) from hist) as hist
        from sums`,
    params,
  );
  const row = rows[0]!;
  const completed = Number(row.completed);
  const failed = Number(row.failed);
  const cancelled = Number(row.cancelled);
  const settled = completed + failed + cancelled;
  const histogram = new Map((row.hist ?? []).map(([idx, n]) => [Number(idx), Number(n)]));
  const minutes = Math.max((window.to.getTime() - window.from.getTime()) / 60_000, 1 / 60);
  return {
    totalExecutions: settled + Number(row.running),
    completedExecutions: completed,
    failedExecutions: failed,
    cancelledExecutions: cancelled,
    runningExecutions: Number(row.running),
    averageExecutionTime: settled === 0 || row.duration === null ? null : Math.round((row.duration / settled) * 10) / 10,
    p95ExecutionTime: histogramQuantile(histogram, 0.95),
    errorRate: settled === 0 ? 0 : failed / settled,
    throughput: Math.round((settled / minutes) * 1000) / 1000,
  };
}

/**
 * `getStepMetrics`: step runs settled (succeeded or failed) in the window, per step type — or, with
 * `byStep`, per workflow and step id — with duration percentiles, queue-wait p95, error rate and
 * retries (runs of an attempt after the first). Two queries, sent together.
 */
export async function stepMetrics(db: Queryable, window: MetricsWindow & { stepType?: string | undefined; byStep?: boolean }): Promise<StepMetricsRow[]> {
  const filter = `($4::text is null or workflow_id = $4::text) and ($5::text is null or step_type = $5::text)`;
  const keys = window.byStep ? `step_type, workflow_id, step_id` : `step_type, '' as workflow_id, '' as step_id`;
  const params = [window.namespace, window.from, window.to, window.workflowId ?? null, window.stepType ?? null, ...wholeHours(window.from, window.to)];
  const ROLLUP_RANGE = rollupRange('$6::timestamptz', '$7::timestamptz');
  const [sums, hists] = await Promise.all([
    db.query<{ step_type: string; workflow_id: string; step_id: string; runs: string; failed: string; retries: string; duration: number }>(
      `select step_type, workflow_id, step_id, sum(runs) as runs, sum(failed) as failed, sum(retries) as retries, sum(duration_sum_ms)::float8 as duration from (
          select ${keys}, runs, failed, retries, duration_sum_ms from step_rollups where namespace = $1 and ${ROLLUP_RANGE} and ${filter}
          union all
          select ${keys}, 1, (status = 'failed')::int, (attempt > 1)::int, coalesce(duration_ms, 0) from metric_step_deltas where namespace = $1 and ${DELTA_RANGE} and ${filter}) s
        group by step_type, workflow_id, step_id order by step_type, workflow_id, step_id`,
      params,
    ),
    db.query<{ kind: string; step_type: string; workflow_id: string; step_id: string; idx: number; n: string }>(
      `select kind, step_type, workflow_id, step_id, idx, sum(n) as n from (
          select 'step-run' as kind, ${keys}, h.key::int as idx, h.value::bigint as n from step_rollups, jsonb_each_text(duration_hist) as h where namespace = $1 and ${ROLLUP_RANGE} and ${filter}
          union all
          select 'step-wait', ${keys}, h.key::int, h.value::bigint from step_rollups, jsonb_each_text(wait_hist) as h where namespace = $1 and ${ROLLUP_RANGE} and ${filter}
          union all
          select 'step-run', ${keys}, ${histogramIndexSql('duration_ms')}, 1 from metric_step_deltas where namespace = $1 and ${DELTA_RANGE} and ${filter} and duration_ms is not null
          union all
          select 'step-wait', ${keys}, ${histogramIndexSql('wait_ms')}, 1 from metric_step_deltas where namespace = $1 and ${DELTA_RANGE} and ${filter} and wait_ms is not null) h
        group by kind, step_type, workflow_id, step_id, idx`,
      params,
    ),
  ]);
  const histograms = new Map<string, Map<number, number>>();
  for (const row of hists.rows) {
    const key = `${row.kind}\u0000${row.step_type}\u0000${row.workflow_id}\u0000${row.step_id}`;
    let histogram = histograms.get(key);
    if (!histogram) histograms.set(key, (histogram = new Map()));
    histogram.set(Number(row.idx), Number(row.n));
  }
  return sums.rows.map((row) => {
    const suffix = `\u0000${row.step_type}\u0000${row.workflow_id}\u0000${row.step_id}`;
    const run = histograms.get(`step-run${suffix}`) ?? new Map<number, number>();
    const wait = histograms.get(`step-wait${suffix}`) ?? new Map<number, number>();
    const count = Number(row.runs);
    const failed = Number(row.failed);
    const timed = histogramTotal(run);
    return {
      stepType: row.step_type,
      ...(window.byStep ? { workflowId: row.workflow_id, stepId: row.step_id } : {}),
      count,
      failed,
      retries: Number(row.retries),
      errorRate: count === 0 ? 0 : failed / count,
      averageDuration: timed === 0 ? null : Math.round((row.duration / timed) * 10) / 10,
      p50Duration: histogramQuantile(run, 0.5),
      p95Duration: histogramQuantile(run, 0.95),
      p99Duration: histogramQuantile(run, 0.99),
      queueWaitP95: histogramQuantile(wait, 0.95),
    };
  });
}

/**
 * Folds the deltas the triggers recorded into the per-minute rollups and histograms, `batch` rows
 * of each table per statement, until none are left (or `maxBatches` ran). Each statement deletes the
 * deltas it folds in, so a delta is counted once even when two coordinators fold at once (the
 * second one's delete skips rows the first deleted). Returns how many deltas were folded.
 */
export async function foldMetricDeltas(db: Queryable, options: { batch?: number; maxBatches?: number } = {}): Promise<number> {
  const batch = options.batch ?? 20_000;
  const maxBatches = options.maxBatches ?? 50;
  let folded = 0;
  for (let i = 0; i < maxBatches; i++) {
    const [executions, steps] = await Promise.all([db.query<{ n: string }>(foldExecutionsSql(batch)), db.query<{ n: string }>(foldStepsSql(batch))]);
    const moved = Number(executions.rows[0]?.n ?? 0) + Number(steps.rows[0]?.n ?? 0);
    folded += moved;
    if (Number(executions.rows[0]?.n ?? 0) < batch && Number(steps.rows[0]?.n ?? 0) < batch) break;
  }
  return folded;
}

// Every delta goes into its minute and its hour.
const GRAINS = `cross join (values ('m'), ('h')) as g(grain)`;
const BUCKET = `date_trunc(case g.grain when 'h' then 'hour' else 'minute' end, finished_at)`;

function foldExecutionsSql(batch: number): string {
  return `with moved as (
            delete from metric_execution_deltas where ctid in (select ctid from metric_execution_deltas limit ${batch}) returning *),
          per_idx as (
            select namespace, g.grain, workflow_id, ${BUCKET} as bucket, ${histogramIndexSql('duration_ms')} as idx,
                   count(*) filter (where status = 'completed') as completed, count(*) filter (where status = 'failed') as failed,
                   count(*) filter (where status = 'cancelled') as cancelled, sum(duration_ms) as duration, count(*) as n
              from moved ${GRAINS} group by 1, 2, 3, 4, 5),
          sums as (
            insert into execution_rollups as t (namespace, grain, workflow_id, bucket, completed, failed, cancelled, duration_sum_ms, duration_hist)
            select namespace, grain, workflow_id, bucket, sum(completed), sum(failed), sum(cancelled), sum(duration), jsonb_object_agg(idx, n)
              from per_idx group by 1, 2, 3, 4
            on conflict (namespace, grain, bucket, workflow_id) do update set completed = t.completed + excluded.completed, failed = t.failed + excluded.failed,
                   cancelled = t.cancelled + excluded.cancelled, duration_sum_ms = t.duration_sum_ms + excluded.duration_sum_ms,
                   duration_hist = af_hist_add(t.duration_hist, excluded.duration_hist)
            returning 1)
          select (select count(*) from moved) as n, (select count(*) from sums) as written`;
}

function foldStepsSql(batch: number): string {
  const keys = `namespace, g.grain, workflow_id, step_type, step_id, ${BUCKET} as bucket`;
  return `with moved as (
            delete from metric_step_deltas where ctid in (select ctid from metric_step_deltas limit ${batch}) returning *),
          counts as (
            select ${keys}, count(*) as runs, count(*) filter (where status = 'failed') as failed, count(*) filter (where attempt > 1) as retries,
                   coalesce(sum(duration_ms), 0) as duration
              from moved ${GRAINS} group by 1, 2, 3, 4, 5, 6),
          per_idx as (
            select ${keys}, 'run' as kind, ${histogramIndexSql('duration_ms')} as idx, count(*) as n from moved ${GRAINS} where duration_ms is not null group by 1, 2, 3, 4, 5, 6, 7, 8
            union all
            select ${keys}, 'wait', ${histogramIndexSql('wait_ms')}, count(*) from moved ${GRAINS} where wait_ms is not null group by 1, 2, 3, 4, 5, 6, 7, 8),
          hists as (
            select namespace, grain, workflow_id, step_type, step_id, bucket,
                   jsonb_object_agg(idx, n) filter (where kind = 'run') as run_hist, jsonb_object_agg(idx, n) filter (where kind = 'wait') as wait_hist
              from per_idx group by 1, 2, 3, 4, 5, 6),
          sums as (
            insert into step_rollups as t (namespace, grain, workflow_id, step_type, step_id, bucket, runs, failed, retries, duration_sum_ms, duration_hist, wait_hist)
            select c.namespace, c.grain, c.workflow_id, c.step_type, c.step_id, c.bucket, c.runs, c.failed, c.retries, c.duration,
                   coalesce(h.run_hist, '{}'::jsonb), coalesce(h.wait_hist, '{}'::jsonb)
              from counts c left join hists h using (namespace, grain, workflow_id, step_type, step_id, bucket)
            on conflict (namespace, grain, bucket, workflow_id, step_type, step_id) do update set runs = t.runs + excluded.runs, failed = t.failed + excluded.failed,
                   retries = t.retries + excluded.retries, duration_sum_ms = t.duration_sum_ms + excluded.duration_sum_ms,
                   duration_hist = af_hist_add(t.duration_hist, excluded.duration_hist), wait_hist = af_hist_add(t.wait_hist, excluded.wait_hist)
            returning 1)
          select (select count(*) from moved) as n, (select count(*) from sums) as written`;
}

/** Drops rollups older than `before` (the leader, with the metrics retention). */
export async function pruneMetricRollups(db: Queryable, before: Date): Promise<void> {
  await db.query(`delete from execution_rollups where bucket < $1`, [before]);
  await db.query(`delete from step_rollups where bucket < $1`, [before]);
}
