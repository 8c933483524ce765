import type { Redis } from 'ioredis';
import { LuaScript } from './lua-script.js';
import { DEFAULT_PREFIX, RESULTS_QUEUE } from './names.js';
import type { ExpressionAnswer } from './expression-answer.js';
import { REPORTED_MARKER_TTL_MS, reportedMarkerKey, type ReportedRun } from './reported-results.js';
import type { StepResult } from './step-result.js';

export interface ResultStreamKeys {
  /** The stream results travel on. */
  stream: string;
  /** Where malformed or repeatedly failing entries go, with the reason. */
  dead: string;
  /** The consumer group every coordinator reads in. */
  group: string;
  /** Hash: how many times each entry was taken over from a consumer that died holding it. */
  takeovers: string;
}

export function resultStreamKeys(prefix: string = DEFAULT_PREFIX): ResultStreamKeys {
  return {
    stream: `${prefix}:${RESULTS_QUEUE}`,
    dead: `${prefix}:${RESULTS_QUEUE}:dead`,
    group: 'coordinators',
    takeovers: `${prefix}:${RESULTS_QUEUE}:takeovers`,
  };
}

/**
 * A result and its run's reported-result marker, written atomically by one command: a `MULTI` of
 * `XADD` and `SET` is four commands for Redis to run and four replies to parse (and, traced, four
 * spans per step); an error in the `XADD` also leaves no marker behind, which `EXEC` would not undo.
 */
const REPORT_WITH_MARKER = new LuaScript(`redis.call('XADD', KEYS[1], '*', 'r', ARGV[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
return 1`);

/**
 * The worker's side of `step-results`: one `XADD` per result. Results go on a Redis stream rather
 * than a BullMQ queue because coordinators take them in batches (one `XREADGROUP` for many, one
 * `XACK` after the transaction that applied them), where a queue costs several scripted Redis
 * calls per result on both sides.
 */
export class ResultReporter {
  private readonly keys: ResultStreamKeys;

  constructor(
    private readonly connection: Redis,
    private readonly prefix?: string,
  ) {
    this.keys = resultStreamKeys(prefix);
  }

  async report(result: StepResult | ExpressionAnswer): Promise<void> {
    await this.reportJson(JSON.stringify(result));
  }

  /**
   * Sends a result that is JSON text already (`stepResultJson`): the worker serializes each result
   * once, inside its own error handling, so that this call can only fail for Redis's reasons.
   * With `run`, the run's reported-result marker is set with it (see `reported-results.ts`).
   */
  async reportJson(json: string, run?: ReportedRun): Promise<void> {
    if (run === undefined) {
      await this.connection.xadd(this.keys.stream, '*', 'r', json);
      return;
    }
    // With its marker, atomically: the reconciler must never see the job gone without one.
    await REPORT_WITH_MARKER.run(this.connection, [this.keys.stream, reportedMarkerKey(this.prefix, run)], [json, REPORTED_MARKER_TTL_MS]);
  }
}

export interface StreamEntry {
  id: string;
  /** The entry's payload, parsed from JSON; `undefined` when it was not JSON. */
  data: unknown;
  /** 1 on its first delivery; 2 when it is read again (a retry, or taken over from a dead consumer). */
  deliveries: number;
  /** Length of the payload's JSON text (UTF-16 code units): an upper bound on what it can add to a state. */
  length: number;
  /** Taken over from another consumer (`XAUTOCLAIM`): that consumer died, or hung, holding it. */
  takenOver?: boolean;
}
