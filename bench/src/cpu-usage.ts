import { readFile, readdir } from 'node:fs/promises';

/** CPU seconds (user + system) used so far by processes, read from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function pidsNamed(name: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readFile(`/proc/${entry}/comm`, 'utf8')).trim() === name) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** Processes whose parent is one of `parents`: the sandbox processes of workers and coordinators. */
async function childrenOf(parents: ReadonlySet<number>): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parents.has(parent)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

export interface CpuSnapshot {
  take(): Promise<Record<string, number>>;
}

/**
 * Snapshots of CPU time per component — the named node processes, their sandbox processes (which
 * run scripts and expressions), every PostgreSQL backend, Redis — so a run's CPU can be divided
 * among them. Counters are cumulative; diff two takes.
 */
export function cpuMeter(processes: Record<string, number[]>): CpuSnapshot {
  return {
    async take() {
      const out: Record<string, number> = {};
      for (const [name, pids] of Object.entries(processes)) out[name] = (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0);
      // The harness's own children are the coordinators and workers, counted above.
      const children = await childrenOf(
        new Set(
          Object.values(processes)
            .flat()
            .filter((pid) => pid !== process.pid),
        ),
      );
      out['sandboxes'] = (await Promise.all(children.map(cpuSeconds))).reduce((a, b) => a + b, 0);
      out['postgres'] = (await Promise.all((await pidsNamed('postgres')).map(cpuSeconds))).reduce((a, b) => a + b, 0);
      out['redis'] = (await Promise.all((await pidsNamed('redis-server')).map(cpuSeconds))).reduce((a, b) => a + b, 0);
      return out;
    },
  };
}

export function cpuDiff(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]));
}
