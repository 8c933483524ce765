import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CheckRequest } from './definition-check-thread.js';
import { decodeCheck, type DefinitionCaps, type DefinitionCheck, type EncodedCheck } from './definition-check.js';

export interface DefinitionCheckerOptions {
  /** How long one check may take before its thread is stopped and the definition refused. Default 20 s. */
  timeoutMs?: number;
  /** Heap of the checking thread, MiB. Default 512. */
  maxHeapMb?: number;
}

/** The built thread entry, from `src/` (tests) and `dist/` alike. */
const THREAD_ENTRY = fileURLToPath(new URL('../../dist/workflows/definition-check-thread.js', import.meta.url));

/** Node's code for a worker thread that exhausted its heap. */
const WORKER_OUT_OF_MEMORY = 'ERR_WORKER_OUT_OF_MEMORY';

interface Pending {
  request: CheckRequest;
  resolve(check: DefinitionCheck): void;
  reject(error: Error): void;
}

/**
 * Checks definitions (`checkForRegistration`) on a worker thread, one at a time, so that validating a
 * definition of tens of thousands of steps never blocks the coordinator's event loop. A check that
 * runs too long or exhausts the thread's heap ends with a problem saying so; the thread is replaced.
 */
export class DefinitionChecker {
  private worker: Worker | undefined;
  private readonly queue: Pending[] = [];
  private current: { pending: Pending; timer: NodeJS.Timeout } | undefined;
  private lastId = 0;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly maxHeapMb: number;

  constructor(options: DefinitionCheckerOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.maxHeapMb = options.maxHeapMb ?? 512;
  }

  async check(input: unknown, caps?: DefinitionCaps): Promise<DefinitionCheck> {
    if (this.closed) throw new Error('the definition checker is closed');
    // Parsing the request body took a tick of its own; cloning a large one for the thread takes another.
    await new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { id: ++this.lastId, input, ...(caps ? { caps } : {}) }, resolve, reject });
      this.next();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('the definition checker is closed'));
    await this.worker?.terminate();
  }

  private next(): void {
    if (this.current !== undefined || this.queue.length === 0) return;
    const pending = this.queue.shift()!;
    const worker = this.thread();
    const timer = setTimeout(
      () => this.fail(`checking the definition took longer than ${this.timeoutMs / 1000} s; split it into smaller workflows`),
      this.timeoutMs,
    );
    this.current = { pending, timer };
    try {
      worker.postMessage(pending.request);
    } catch (error) {
      // Not cloneable: nothing a parsed request body can be, but answer rather than hang.
      this.settle((p) => p.reject(error as Error));
    }
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(THREAD_ENTRY, { resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb } });
    worker.unref();
    worker.on('message', (message: { id: number; check?: EncodedCheck; error?: string }) => {
      if (this.current?.pending.request.id !== message.id) return;
      const { check } = message;
      if (!check) {
        this.settle((p) => p.reject(new Error(message.error ?? 'the definition check failed')));
        return;
      }
      // Decoding a large definition is tens of milliseconds of its own: in a later tick, so the one that
      // received the message (and cloned it) ends first and requests get in between.
      setImmediate(() => void decodeCheck(check).then((decoded) => this.settle((p) => p.resolve(decoded))));
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (this.worker !== worker) return;
      const why = error.code === WORKER_OUT_OF_MEMORY ? 'the definition is too large to check' : `the definition check failed: ${error.message}`;
      this.fail(why);
    });
    worker.on('exit', () => {
      // A thread this checker replaced on purpose says nothing about the check running now.
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.fail('the definition check stopped');
    });
    this.worker = worker;
    return worker;
  }

  /** Ends the current check with a problem (the definition is refused) and replaces the thread. */
  private fail(message: string): void {
    if (this.current === undefined) return;
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    this.settle((p) => p.resolve({ ok: false, problems: [{ path: '$', message }] }));
  }

  private settle(finish: (pending: Pending) => void): void {
    const current = this.current;
    if (current === undefined) return;
    this.current = undefined;
    clearTimeout(current.timer);
    finish(current.pending);
    if (!this.closed) this.next();
  }
}
