import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const root = new URL('../infra/observability/', import.meta.url);

/** Names of the series a Prometheus text scrape holds (`# TYPE` families and sample names). */
export function scrapedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\w+)/.exec(line);
    if (type) {
      names.add(type[1]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}

/** Metric names a PromQL expression reads: identifiers that are not functions, keywords or label names. */
export function promqlMetricNames(expr: string): string[] {
  // Numbers first: `1e-9` must not leave an `e9` behind.
  const withoutNumbers = expr.replace(/(^|[^a-zA-Z0-9_:])\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi, '$1');
  const withoutStrings = withoutNumbers
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]');
  const withoutGroupings = withoutStrings.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names: string[] = [];
  for (const match of withoutGroupings.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (match[2] !== undefined) continue; // a function call
    const word = match[1]!;
    if (/^(and|or|unless|bool|offset|le|inf|nan|e)$/i.test(word) || /^\d/.test(word)) continue;
    names.push(word);
  }
  return names;
}

/** Every PromQL expression of the alerting rules and the dashboard, with where it comes from. */
export function infraExpressions(): { where: string; expr: string }[] {
  const alerts = parse(readFileSync(new URL('alerts.yml', root), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  const dashboard = JSON.parse(readFileSync(new URL('grafana/dashboards/agentic-flow.json', root), 'utf8')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  return [
    ...alerts.groups.flatMap((g) => g.rules.map((r) => ({ where: `alerts.yml ${r.alert}`, expr: r.expr }))),
    ...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: `dashboard "${p.title}"`, expr: t.expr }))),
  ];
}
