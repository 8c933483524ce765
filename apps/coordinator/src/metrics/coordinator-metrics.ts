import { Counter, createMetricsRegistry, Histogram, type Registry } from '@agentic-flow/telemetry';

/**
 * What a coordinator counts as it works: in memory, one `inc`/`observe` per event, no I/O. Labels
 * are bounded sets (workflow ids, statuses); execution and step-run ids never become labels, each
 * would make a series of its own.
 */
export class CoordinatorMetrics {
  readonly registry: Registry;
  readonly executionsStarted: Counter<'workflow'>;
  readonly executionsFinished: Counter<'workflow' | 'status'>;
  readonly resultsApplied: Counter;
  readonly resultsPerTransaction: Histogram;
  readonly transactionSeconds: Histogram;

  constructor(registry: Registry = createMetricsRegistry({ service: 'coordinator' })) {
    this.registry = registry;
    const registers = [registry];
    this.executionsStarted = new Counter({
      name: 'agentic_flow_executions_started_total',
      help: 'Executions started, by workflow id.',
      labelNames: ['workflow'],
      registers,
    });
    this.executionsFinished = new Counter({
      name: 'agentic_flow_executions_finished_total',
      help: 'Executions settled, by workflow id and final status (completed, failed, cancelled).',
      labelNames: ['workflow', 'status'],
      registers,
    });
    this.resultsApplied = new Counter({
      name: 'agentic_flow_results_applied_total',
      help: 'Step results (and expression answers) applied by this coordinator.',
      registers,
    });
    this.resultsPerTransaction = new Histogram({
      name: 'agentic_flow_results_per_transaction',
      help: 'Results applied in one transaction: 1 under light load, up to RESULT_BATCH_SIZE under heavy load.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    });
    this.transactionSeconds = new Histogram({
      name: 'agentic_flow_result_transaction_seconds',
      help: 'Time to apply one batch of results: engine, transaction and enqueueing of the next steps.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
  }
}
