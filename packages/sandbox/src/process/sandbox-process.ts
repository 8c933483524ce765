import { fork, type ChildProcess } from 'node:child_process';
import type { HostMessage, HostReply, HostSetup } from './host-protocol.js';

export interface SandboxProcessOptions {
  /** The built `host-main.js`. */
  entry: string;
  setup: HostSetup;
  /** Heap limit of the process itself (its isolates have their own limits). */
  maxOldSpaceMb: number;
  /** How long setting up (spawn, isolated-vm, warm realms) may take. */
  readyTimeoutMs: number;
}

/** How a sandbox process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why, when its last words on stderr say (V8 prints out-of-memory aborts there). */
  reason?: 'out of memory';
}

export interface SandboxProcessEvents {
  reply(process: SandboxProcess, reply: HostReply): void;
  exit(process: SandboxProcess, exit: ProcessExit): void;
}

/** Kept of a process's stderr: enough for V8's fatal-error banner. */
const STDERR_TAIL = 4096;

/**
 * One sandbox process (`host-main.js`), forked with an empty environment, so that no secret of the
 * parent is in the memory that untrusted code runs next to, and a bounded heap of its own.
 * Messages use V8 serialization: the JSON texts they carry cross as they are, not escaped again.
 */
export class SandboxProcess {
  readonly ready: Promise<void>;
  /** Settles when the process has exited. */
  readonly ended: Promise<void>;
  /** Set by the owner once `ready` resolved. */
  isReady = false;
  /** Id of the request it runs; one at a time, so a crash has exactly one culprit. */
  current: number | undefined;
  runs = 0;
  idleSince = Date.now();
  exited: ProcessExit | undefined;
  private readonly child: ChildProcess;
  private stderr = '';

  constructor(options: SandboxProcessOptions, events: SandboxProcessEvents) {
    this.child = fork(options.entry, [], {
      execArgv: ['--no-node-snapshot', `--max-old-space-size=${options.maxOldSpaceMb}`],
      env: {},
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL);
    });
    let readyWaiter: { resolve(): void; reject(error: Error): void } | undefined;
    let endWaiter: () => void = () => undefined;
    this.ended = new Promise<void>((resolve) => (endWaiter = resolve));
    this.ready = new Promise<void>((resolve, reject) => (readyWaiter = { resolve, reject }));
    // Nobody may be waiting yet; an unhandled rejection would take the parent down.
    this.ready.catch(() => undefined);
    const timer = setTimeout(() => {
      readyWaiter?.reject(new Error(`the sandbox process did not start within ${options.readyTimeoutMs} ms`));
      this.kill();
    }, options.readyTimeoutMs);
    timer.unref();
    this.child.on('message', (reply: HostReply) => {
      if (reply.type === 'ready') {
        clearTimeout(timer);
        readyWaiter?.resolve();
        return;
      }
      events.reply(this, reply);
    });
    this.child.on('error', () => {
      // A failed spawn or a broken channel: 'exit' follows and says the rest.
    });
    this.child.on('exit', (code, signal) => {
      clearTimeout(timer);
      this.exited = {
        code,
        signal,
        ...(/out of memory|heap limit|is_heap_oom = 1|CALL_AND_RETRY_LAST/i.test(this.stderr) ? { reason: 'out of memory' as const } : {}),
      };
      readyWaiter?.reject(new Error(`the sandbox process exited before it was ready (${describeExit(this.exited)})`));
      events.exit(this, this.exited);
      endWaiter();
    });
    this.send({ type: 'setup', setup: options.setup });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(message: HostMessage): void {
    if (this.exited !== undefined || !this.child.connected) return;
    // A channel that broke between the check and the write reports through 'error' and 'exit'.
    this.child.send(message, (error) => {
      if (error) this.kill();
    });
  }

  kill(): void {
    if (this.exited === undefined) this.child.kill('SIGKILL');
  }
}

export function describeExit(exit: ProcessExit): string {
  const how = exit.signal !== null ? `signal ${exit.signal}` : `exit code ${exit.code}`;
  return exit.reason === undefined ? how : `${how}, ${exit.reason}`;
}
