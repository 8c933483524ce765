import { collectDefaultMetrics, Registry } from 'prom-client';

/** The prefix of every metric Agentic Flow defines (Prometheus naming: `<namespace>_<name>_<unit>`). */
export const METRIC_PREFIX = 'agentic_flow_';

/**
 * A Prometheus registry for one process, holding the standard process and Node.js metrics
 * (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`, …, unprefixed so stock dashboards
 * read them) plus whatever the app registers. Each process gets its own registry rather than
 * prom-client's global one, so tests can create several without name clashes.
 *
 * Counting in the apps is in memory only (`Counter.inc`, `Histogram.observe`): what needs I/O
 * (queue depths, stream lag) is read at scrape time by `collect` callbacks, never per step.
 *
 * @example
 * ```ts
 * const registry = createMetricsRegistry({ service: 'worker' });
 * const steps = new Counter({ name: 'agentic_flow_steps_total', help: '…', registers: [registry] });
 * const text = await registry.metrics();
 * ```
 */
export function createMetricsRegistry(options: { service: string }): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
