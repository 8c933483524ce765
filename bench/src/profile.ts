import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

export interface ProfileSummary {
  /** Sampled wall time the process was busy (not idle), ms. */
  busyMs: number;
  totalMs: number;
  /** Share of busy time per component, largest first. */
  categories: { name: string; ms: number; share: number }[];
  /** Functions with the most self time. */
  functions: { name: string; where: string; ms: number; share: number }[];
}

const CATEGORIES: [RegExp, string][] = [
  [/node_modules\/(\.pnpm\/)?(pg|pg-protocol|pg-pool|pg-types|postgres-)/, 'PostgreSQL driver (pg)'],
  [/drizzle-orm/, 'drizzle-orm query building'],
  [/bullmq/, 'BullMQ'],
  [/ioredis|redis-parser|msgpackr|@ioredis/, 'Redis client and (de)serialization'],
  [/\/zod\//, 'zod validation'],
  [/fastify|find-my-way|light-my-request|avvio/, 'HTTP API (fastify)'],
  [/isolated-vm|packages\/sandbox/, 'expression sandbox'],
  [/packages\/engine|\/xstate\//, 'engine (decide, xstate)'],
  [/packages\/spec/, 'spec (templates, graph)'],
  [/packages\/store/, 'store repositories'],
  [/apps\/coordinator/, 'coordinator (result applier, effects)'],
  [/pino|sonic-boom/, 'logging'],
  [/^node:internal\/(modules|bootstrap)|^node:fs$/, 'module loading (startup)'],
  [/^node:|^internal\//, 'Node.js internals (net, streams, timers)'],
];

function categorize(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8/native (program)';
  if (url === '' && functionName.startsWith('(')) return functionName;
  for (const [pattern, name] of CATEGORIES) if (pattern.test(url)) return name;
  if (url === '') return 'native builtins (JSON, RegExp…)';
  return 'other';
}

/** Reads the newest `.cpuprofile` in `dir` and attributes self time to components and functions. */
export async function summarizeProfile(dir: string): Promise<ProfileSummary> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort();
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(await readFile(join(dir, files.at(-1)!), 'utf8')) as CpuProfile;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const interval = totalMs / Math.max(1, profile.samples.length);
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, { name: string; where: string; ms: number }>();
  let idleMs = 0;
  for (const node of profile.nodes) {
    const ms = (node.hitCount ?? 0) * interval;
    if (ms === 0) continue;
    const category = categorize(node);
    if (category === '(idle)') {
      idleMs += ms;
      continue;
    }
    byCategory.set(category, (byCategory.get(category) ?? 0) + ms);
    const where = node.callFrame.url.replace(/^.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '').replace(/^file:\/\/.*?\/(apps|packages)\//, '$1/');
    const key = `${node.callFrame.functionName || '(anonymous)'}@${where}:${node.callFrame.lineNumber + 1}`;
    const entry = byFunction.get(key) ?? { name: node.callFrame.functionName || '(anonymous)', where: `${where}:${node.callFrame.lineNumber + 1}`, ms: 0 };
    entry.ms += ms;
    byFunction.set(key, entry);
  }
  const busyMs = totalMs - idleMs;
  return {
    busyMs,
    totalMs,
    categories: [...byCategory].map(([name, ms]) => ({ name, ms, share: ms / busyMs })).sort((a, b) => b.ms - a.ms),
    functions: [...byFunction.values()]
      .map((f) => ({ ...f, share: f.ms / busyMs }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 15),
  };
}
