import type { AppProcess } from '@agentic-flow/testing';

/** One process the supervisor keeps alive: a coordinator on a fixed port, or a worker. */
export interface ProcessSlot {
  name: string;
  kind: 'coordinator' | 'worker';
  start(): Promise<AppProcess>;
}

export interface Restart {
  slot: string;
  kind: ProcessSlot['kind'];
  exitedAt: number;
  /** When its replacement was ready (undefined: never, within the run). */
  readyAt?: number;
  /** How it ended: SIGKILL for the soak's own faults; anything else is a crash. */
  exit: number | string;
  /** The soak killed it (a fault), as opposed to a process that died on its own. */
  killed: boolean;
  /** Starts that failed before one came up (e.g. PostgreSQL still restarting). */
  failedStarts: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keeps every slot's process running, as systemd or Kubernetes would: whatever exits is started
 * again, with a backoff while starts fail. What it saw is kept for the report.
 */
export class Supervisor {
  readonly restarts: Restart[] = [];
  private readonly current = new Map<string, AppProcess>();
  private readonly killing = new Set<string>();
  private stopping = false;
  private readonly loops: Promise<void>[] = [];

  constructor(readonly slots: readonly ProcessSlot[]) {}

  /** Starts every slot (coordinators first, one at a time: the first migrates the database). */
  async start(): Promise<void> {
    for (const slot of this.slots.filter((s) => s.kind === 'coordinator')) this.current.set(slot.name, await slot.start());
    await Promise.all(this.slots.filter((s) => s.kind === 'worker').map(async (slot) => this.current.set(slot.name, await slot.start())));
    for (const slot of this.slots) this.loops.push(this.keepAlive(slot));
  }

  /** SIGKILLs the slot's process (a crash); the supervisor brings up another. Its pid, or undefined if none is running. */
  kill(slotName: string): number | undefined {
    const process = this.current.get(slotName);
    // One already killed and not yet gone is not killed twice.
    if (!process || this.killing.has(slotName)) return undefined;
    this.killing.add(slotName);
    process.kill();
    return process.pid;
  }

  /** The slots of `kind` with a process up and not being killed. */
  running(kind: ProcessSlot['kind']): string[] {
    return this.slots.filter((s) => s.kind === kind && this.current.has(s.name) && !this.killing.has(s.name)).map((s) => s.name);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.current.values()].map((p) => p.stop(10_000)));
    await Promise.all(this.loops);
  }

  private async keepAlive(slot: ProcessSlot): Promise<void> {
    while (!this.stopping) {
      const process = this.current.get(slot.name);
      if (!process) return;
      const exit = await process.exited;
      this.current.delete(slot.name);
      if (this.stopping) return;
      const restart: Restart = { slot: slot.name, kind: slot.kind, exitedAt: Date.now(), exit, killed: this.killing.delete(slot.name), failedStarts: 0 };
      this.restarts.push(restart);
      for (let backoff = 100; !this.stopping; backoff = Math.min(backoff * 2, 2_000)) {
        try {
          const replacement = await slot.start();
          if (this.stopping) {
            await replacement.stop(5_000);
            return;
          }
          this.current.set(slot.name, replacement);
          restart.readyAt = Date.now();
          break;
        } catch {
          restart.failedStarts++;
          await sleep(backoff);
        }
      }
    }
  }
}
