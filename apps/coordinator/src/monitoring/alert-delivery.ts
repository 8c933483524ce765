import { createHmac } from 'node:crypto';
import { createEgressConnector, type EgressPolicy } from '@agentic-flow/executors';
import { claimPendingDeliveries, loadDeliveryWork, recordDeliveryAttempt, releaseDeliveries, type DeliveryWork } from '@agentic-flow/store';
import type { Logger } from '@agentic-flow/telemetry';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { Agent, request } from 'undici';
import type { SinkSecrets } from './sink-secrets.js';

export const ALERT_DELIVERY_QUEUE = 'alert-deliveries';
/** Headers of a signed delivery: `X-AF-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. */
export const SIGNATURE_HEADER = 'x-af-signature';
export const TIMESTAMP_HEADER = 'x-af-timestamp';

export interface AlertDeliveryOptions {
  pool: pg.Pool;
  /** A producer connection (the queue) and a blocking one (the worker). */
  connection: Redis;
  blocking: Redis;
  prefix: string;
  secrets: SinkSecrets;
  egress: EgressPolicy;
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  logger: Logger;
  now?: () => number;
}

/** The body a sink receives: ours (`json`) or Slack's incoming-webhook shape (`slack`). */
export function deliveryBody(work: Required<DeliveryWork>, sentAt: number): string {
  const { delivery, sink, alert } = work;
  if (sink!.format === 'slack') {
    const mark = alert!.state === 'resolved' ? 'resolved' : alert!.severity;
    const where = alert!.namespace === '*' ? 'cluster' : `namespace ${alert!.namespace}`;
    return JSON.stringify({ text: `[${mark}] ${alert!.message} (${where}, ${alert!.type})` });
  }
  return JSON.stringify({
    id: delivery.id,
    event: delivery.event,
    sink: sink!.name,
    sentAt: new Date(sentAt).toISOString(),
    alert: {
      id: alert!.id,
      type: alert!.type,
      severity: alert!.severity,
      state: alert!.state ?? 'firing',
      message: alert!.message,
      namespace: alert!.namespace,
      executionId: alert!.executionId,
      errorId: alert!.errorId,
      data: alert!.data,
      createdAt: alert!.createdAt.toISOString(),
    },
  });
}

/** `v1=<hex>`: HMAC-SHA256 of `<timestamp>.<body>` (timestamp in Unix seconds, as sent in {@link TIMESTAMP_HEADER}). */
export function signDelivery(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Alert deliveries through a BullMQ queue: `dispatch()` moves pending deliveries (written by the
 * trigger on `alerts` in the transaction that raised each alert) onto the queue under their own id,
 * and every coordinator's worker posts them, signed, through the egress policy, retrying with
 * exponential backoff; each attempt's outcome is recorded on the delivery's row.
 */
export class AlertDelivery {
  private readonly queue: Queue;
  private readonly worker: Worker;
  private readonly agent: Agent;

  constructor(private readonly options: AlertDeliveryOptions) {
    this.queue = new Queue(ALERT_DELIVERY_QUEUE, { connection: options.connection, prefix: options.prefix });
    this.agent = new Agent({ connect: createEgressConnector(options.egress, { timeout: options.timeoutMs }) });
    this.worker = new Worker(ALERT_DELIVERY_QUEUE, (job: Job<{ id: string }>) => this.deliver(job), {
      connection: options.blocking,
      prefix: options.prefix,
      concurrency: 4,
      autorun: false,
    });
    this.worker.on('error', (error) => options.logger.warn({ err: error }, 'alert delivery worker error'));
  }

  start(): void {
    void this.worker.run();
  }

  /** Enqueues the pending deliveries (at most 500 a call). */
  async dispatch(): Promise<number> {
    const ids = await claimPendingDeliveries(this.options.pool, 500);
    if (ids.length === 0) return 0;
    try {
      await this.queue.addBulk(
        ids.map((id) => ({
          name: 'deliver',
          data: { id },
          opts: {
            jobId: id,
            attempts: this.options.attempts,
            backoff: { type: 'exponential', delay: this.options.backoffMs },
            removeOnComplete: true,
            removeOnFail: 1000,
          },
        })),
      );
    } catch (error) {
      await releaseDeliveries(this.options.pool, ids).catch(() => undefined);
      throw error;
    }
    return ids.length;
  }

  private async deliver(job: Job<{ id: string }>): Promise<void> {
    const { pool, secrets, logger } = this.options;
    const work = await loadDeliveryWork(pool, job.data.id);
    if (!work) return;
    const final = job.attemptsMade + 1 >= this.options.attempts;
    const give = async (error: string, retry: boolean): Promise<never> => {
      await recordDeliveryAttempt(pool, work.delivery.id, { delivered: false, final: final || !retry, error });
      throw retry ? new Error(error) : new UnrecoverableError(error);
    };
    if (!work.sink) return give(`sink ${work.delivery.sinkName} was deleted`, false);
    if (!work.alert) return give(`alert ${work.delivery.alertId} no longer exists`, false);
    let secret: string | undefined;
    if (work.sink.secretName !== null) {
      secret = await secrets.get(work.sink.secretName);
      if (secret === undefined)
        return give(`secret ${work.sink.secretName} is not set on this coordinator (AF_SECRET_${work.sink.secretName} or AF_SECRETS_DIR)`, true);
    }
    const now = (this.options.now ?? Date.now)();
    const body = deliveryBody(work as Required<DeliveryWork>, now);
    const timestamp = Math.floor(now / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'agentic-flow-alerts',
      'x-af-event': work.delivery.event,
      'x-af-delivery': work.delivery.id,
      [TIMESTAMP_HEADER]: String(timestamp),
    };
    if (secret !== undefined) headers[SIGNATURE_HEADER] = signDelivery(secret, timestamp, body);
    let status: number | undefined;
    try {
      const response = await request(work.sink.url, {
        method: 'POST',
        body,
        headers,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = response.statusCode;
      await response.body.dump();
    } catch (error) {
      const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
      const message = (error as Error).message;
      logger.debug({ err: error, sink: work.sink.name }, 'alert delivery failed');
      // A destination the egress policy refuses stays refused: no retry.
      return give(message, code !== 'EGRESS_DENIED' && !message.includes('egress to'));
    }
    if (status >= 200 && status < 300) {
      await recordDeliveryAttempt(pool, work.delivery.id, { delivered: true, final: true, responseStatus: status });
      return;
    }
    await recordDeliveryAttempt(pool, work.delivery.id, { delivered: false, final, responseStatus: status, error: `the sink answered ${status}` });
    throw new Error(`the sink answered ${status}`);
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.close();
    await this.agent.close();
  }
}
