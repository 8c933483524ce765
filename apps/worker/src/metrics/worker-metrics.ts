import type { AgentRunRecord } from '@agentic-flow/spec';
import { Counter, createMetricsRegistry, Histogram, type Registry } from '@agentic-flow/telemetry';

/** How a step's attempt on this worker ended. `retried`: it failed and BullMQ runs it again after its backoff. */
export type StepAttemptOutcome = 'succeeded' | 'failed' | 'cancelled' | 'retried';

/** Seconds, from 5 ms to 5 min: http calls, scripts and agent conversations alike. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * What a worker counts per step: in memory only (`observe`, `inc`), so counting adds no I/O to a
 * step. Labels are step types, outcomes and agent providers/models: bounded sets, never ids.
 */
export class WorkerMetrics {
  readonly registry: Registry;
  private readonly duration: Histogram<'step_type' | 'outcome'>;
  private readonly queueWait: Histogram<'step_type' | 'outcome'>;
  private readonly steps: Counter<'step_type' | 'outcome'>;
  private readonly tokens: Counter<'provider' | 'model' | 'direction'>;
  private readonly cost: Counter<'provider' | 'model'>;

  constructor(registry: Registry = createMetricsRegistry({ service: 'worker' })) {
    this.registry = registry;
    const registers = [registry];
    const labelNames = ['step_type', 'outcome'] as const;
    this.duration = new Histogram({
      name: 'agentic_flow_step_duration_seconds',
      help: 'Time a step attempt ran on a worker (executor, circuit breaker, reporting excluded), by step type and outcome.',
      labelNames,
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.queueWait = new Histogram({
      name: 'agentic_flow_step_queue_wait_seconds',
      help: 'Time from enqueue (coordinator clock) to a worker taking the job, first attempts only, by step type and outcome.',
      labelNames,
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.steps = new Counter({
      name: 'agentic_flow_steps_total',
      help: 'Step attempts finished on this worker, by step type and outcome.',
      labelNames,
      registers,
    });
    this.tokens = new Counter({
      name: 'agentic_flow_agent_tokens_total',
      help: 'Model tokens used by agent steps, by provider, model and direction (input, output).',
      labelNames: ['provider', 'model', 'direction'],
      registers,
    });
    this.cost = new Counter({
      name: 'agentic_flow_agent_cost_usd_total',
      help: 'Cost of agent steps in US dollars (providers with prices configured), by provider and model.',
      labelNames: ['provider', 'model'],
      registers,
    });
  }

  /** One finished attempt: `queueWaitMs` is undefined for retries (their wait includes the backoff). */
  stepFinished(stepType: string, outcome: StepAttemptOutcome, runMs: number, queueWaitMs: number | undefined, agent?: AgentRunRecord): void {
    const labels = { step_type: stepType, outcome };
    this.steps.inc(labels);
    this.duration.observe(labels, runMs / 1000);
    if (queueWaitMs !== undefined) this.queueWait.observe(labels, Math.max(0, queueWaitMs) / 1000);
    if (agent) {
      const { provider, model, usage } = agent;
      this.tokens.inc({ provider, model, direction: 'input' }, usage.inputTokens);
      this.tokens.inc({ provider, model, direction: 'output' }, usage.outputTokens);
      if (usage.costUsd !== undefined) this.cost.inc({ provider, model }, usage.costUsd);
    }
  }
}
