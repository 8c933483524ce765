import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { infraExpressions, promqlMetricNames, scrapedNames } from '../e2e/metric-names.js';

// The files are read as Prometheus, Grafana and Compose would; that every metric they name exists
// in a real scrape is checked by e2e/observability.e2e.test.ts.
const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8');

describe('infra/observability', () => {
  it('scrapes the coordinators on their API port and the workers on HEALTH_PORT, with the rules loaded', () => {
    const config = parse(read('infra/observability/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; metrics_path: string; dns_sd_configs: { names: string[]; port: number }[] }[];
    };
    expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    const jobs = Object.fromEntries(config.scrape_configs.map((job) => [job.job_name, job]));
    expect(jobs['agentic-flow-coordinator']?.dns_sd_configs[0]).toMatchObject({ names: ['coordinator'], port: 3000 });
    expect(jobs['agentic-flow-worker']?.dns_sd_configs[0]).toMatchObject({ names: ['worker-http', 'worker-script', 'worker-agent-task'], port: 9464 });
  });

  it('has alerting rules that each name an expression, a severity and a summary', () => {
    const rules = (parse(read('infra/observability/alerts.yml')) as { groups: { rules: Record<string, any>[] }[] }).groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThanOrEqual(6);
    for (const rule of rules) {
      expect(rule['alert'], JSON.stringify(rule)).toMatch(/^AgenticFlow[A-Za-z]+$/);
      expect(rule['labels']?.severity).toMatch(/^(warning|critical)$/);
      expect(typeof rule['annotations']?.summary).toBe('string');
      expect(promqlMetricNames(rule['expr']).length).toBeGreaterThan(0);
    }
  });

  it('has a dashboard with throughput, p95 step latency by type, error rate, queue depths, breakers and DLQ', () => {
    const dashboard = JSON.parse(read('infra/observability/grafana/dashboards/agentic-flow.json')) as {
      uid: string;
      panels: { title: string; targets: { expr: string }[] }[];
    };
    expect(dashboard.uid).toBe('agentic-flow');
    const titles = dashboard.panels.map((p) => p.title).join('\n');
    for (const topic of [/Throughput/, /p95 step latency by type/, /error rate/, /Queue depths/, /Circuit breakers/, /Dead letter/])
      expect(titles).toMatch(topic);
    expect(new Set(dashboard.panels.map((p) => (p as unknown as { id: number }).id)).size).toBe(dashboard.panels.length);
  });

  it('adds Prometheus and Grafana to docker-compose.yml behind the observability profile, mounting these files', () => {
    const services = (parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Record<string, any>> }).services;
    for (const name of ['prometheus', 'grafana']) {
      expect(services[name]?.['profiles'], name).toEqual(['observability']);
      for (const volume of services[name]?.['volumes'] ?? []) {
        const [source] = String(volume).split(':');
        if (source!.startsWith('./')) expect(existsSync(`${root}${source!.slice(2)}`), volume).toBe(true);
      }
    }
    // Everything else runs without the profile.
    expect(
      Object.entries(services)
        .filter(([, s]) => s['profiles'] !== undefined)
        .map(([n]) => n)
        .sort(),
    ).toEqual(['grafana', 'prometheus']);
    for (const type of ['http', 'script', 'agent-task'])
      expect(services[`worker-${type}`]?.['environment']).toMatchObject({ HEALTH_PORT: '9464', HEALTH_HOST: '0.0.0.0' });
  });
});

describe('metric name extraction', () => {
  it('finds the metrics of a PromQL expression, not its functions, labels or keywords', () => {
    expect(
      promqlMetricNames('histogram_quantile(0.95, sum by (le, step_type) (rate(agentic_flow_step_duration_seconds_bucket{outcome="failed"}[5m]))) > 30'),
    ).toEqual(['agentic_flow_step_duration_seconds_bucket']);
    expect(promqlMetricNames('max(a_b) + max(c_d) and up{job=~"x.*"} == 0')).toEqual(['a_b', 'c_d', 'up']);
    expect(promqlMetricNames('x / clamp_min(y, 1e-9) * 1e9 > 0.5')).toEqual(['x', 'y']);
    expect(infraExpressions().length).toBeGreaterThan(15);
  });

  it('reads the names of a Prometheus text scrape', () => {
    const text = '# HELP x_total A counter.\n# TYPE x_total counter\nx_total{a="1"} 2\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n';
    expect([...scrapedNames(text)].sort()).toEqual(['h', 'h_bucket', 'h_count', 'x_total']);
  });
});
