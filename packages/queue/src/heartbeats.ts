import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from './names.js';

/** How often workers and coordinators say they are alive. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
/** A process not heard from for this long is taken for dead (three intervals). */
export const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_INTERVAL_MS;

export type ProcessRole = 'worker' | 'coordinator';

/** What a live process said of itself at its last heartbeat. */
export interface ProcessHeartbeat {
  id: string;
  role: ProcessRole;
  /** Workers: the step types they consume. */
  stepTypes?: string[];
  /** Coordinators: whether it held the leader lock at its last maintenance tick. */
  leader?: boolean;
  host?: string;
  pid?: number;
  /** Epoch ms of the heartbeat. */
  at: number;
}

export function heartbeatKeys(prefix: string = DEFAULT_PREFIX, role: ProcessRole): { seen: string; info: string } {
  return { seen: `${prefix}:heartbeats:${role}s`, info: `${prefix}:heartbeats:${role}s:info` };
}

/**
 * Says `beat.id` is alive: one pipeline of a ZADD (score: now) and an HSET of what it says about
 * itself. Cheap enough to send every few seconds from every process whatever it is doing.
 */
export async function sendHeartbeat(connection: Redis, prefix: string | undefined, beat: ProcessHeartbeat): Promise<void> {
  const keys = heartbeatKeys(prefix, beat.role);
  await connection.pipeline().zadd(keys.seen, beat.at, beat.id).hset(keys.info, beat.id, JSON.stringify(beat)).exec();
}

/** Says `id` stopped (a clean shutdown), so it is not counted until its heartbeat lapses. */
export async function removeHeartbeat(connection: Redis, prefix: string | undefined, role: ProcessRole, id: string): Promise<void> {
  const keys = heartbeatKeys(prefix, role);
  await connection.pipeline().zrem(keys.seen, id).hdel(keys.info, id).exec();
}

/** The processes of `role` heard from within {@link HEARTBEAT_TTL_MS} of `now`; forgets older ones. */
export async function liveProcesses(connection: Redis, prefix: string | undefined, role: ProcessRole, now: number): Promise<ProcessHeartbeat[]> {
  const keys = heartbeatKeys(prefix, role);
  const stale = await connection.zrangebyscore(keys.seen, '-inf', `(${now - HEARTBEAT_TTL_MS}`);
  if (stale.length > 0)
    await connection
      .pipeline()
      .zrem(keys.seen, ...stale)
      .hdel(keys.info, ...stale)
      .exec();
  const ids = await connection.zrangebyscore(keys.seen, now - HEARTBEAT_TTL_MS, '+inf');
  if (ids.length === 0) return [];
  const infos = await connection.hmget(keys.info, ...ids);
  const live: ProcessHeartbeat[] = [];
  infos.forEach((info, i) => {
    if (info === null) return;
    try {
      live.push(JSON.parse(info) as ProcessHeartbeat);
    } catch {
      live.push({ id: ids[i]!, role, at: now });
    }
  });
  return live.sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * Sends a heartbeat every {@link HEARTBEAT_INTERVAL_MS} (and at once), with what `describe` says at
 * that moment; a failure is ignored (the next one may pass; missing three makes it look dead).
 */
export class Heartbeat {
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly options: {
      connection: Redis;
      prefix?: string | undefined;
      role: ProcessRole;
      id: string;
      describe: () => Omit<ProcessHeartbeat, 'id' | 'role' | 'at'>;
      now?: () => number;
    },
  ) {
    this.beat();
    this.timer = setInterval(() => this.beat(), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  beat(): void {
    if (this.stopped) return;
    const { connection, prefix, role, id, describe, now } = this.options;
    sendHeartbeat(connection, prefix, { ...describe(), id, role, at: (now ?? Date.now)() }).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await removeHeartbeat(this.options.connection, this.options.prefix, this.options.role, this.options.id).catch(() => undefined);
  }
}
