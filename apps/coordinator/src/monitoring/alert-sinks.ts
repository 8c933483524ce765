import type { AlertDeliveryView, AlertSinkView } from '@agentic-flow/spec';
import {
  deleteAlertSink,
  findAlertSink,
  listAlertDeliveries,
  runPoolTransactionWithAudit,
  upsertAlertSink,
  type AlertDeliveryRow,
  type AlertSinkRow,
  type AuditEntry,
} from '@agentic-flow/store';
import type pg from 'pg';
import { DomainError } from '../errors/domain-error.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import type { SinkSecrets } from './sink-secrets.js';
import { keysetPage } from '../http/keyset-page.js';

export interface SinkConfig {
  url: string;
  events: ('alert:created' | 'alert:resolved')[];
  alertTypes: string[] | null;
  secretName: string | null;
  format: 'json' | 'slack';
}

export function sinkView(row: AlertSinkRow): AlertSinkView {
  return {
    namespace: row.namespace,
    name: row.name,
    url: row.url,
    events: row.events as AlertSinkView['events'],
    alertTypes: row.alertTypes,
    secretName: row.secretName,
    format: row.format,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function deliveryView(row: AlertDeliveryRow): AlertDeliveryView {
  return {
    id: row.id,
    sink: row.sinkName,
    alertId: row.alertId,
    event: row.event as AlertDeliveryView['event'],
    status: row.status,
    attempts: row.attempts,
    responseStatus: row.responseStatus,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
  };
}

/** Alert sinks of a namespace: configured by API, each naming (never holding) its signing secret. */
export class AlertSinks {
  constructor(
    private readonly pool: pg.Pool,
    private readonly secrets: SinkSecrets,
  ) {}

  /**
   * Creates or replaces sink `name`. Its secret must be known to this coordinator (a typo would
   * otherwise fail every delivery); every coordinator should be given the same secrets.
   */
  async put(namespace: string, name: string, config: SinkConfig, audit: AuditEntry | undefined): Promise<AlertSinkView> {
    if (config.secretName !== null && (await this.secrets.get(config.secretName)) === undefined) {
      throw new InvalidInputError(
        [
          {
            path: '$.body.secretName',
            message: `no secret ${config.secretName} is set on the coordinator (AF_SECRET_${config.secretName} or a file in AF_SECRETS_DIR)`,
          },
        ],
        'alert sink',
      );
    }
    const row = await runPoolTransactionWithAudit(this.pool, audit, (tx) => upsertAlertSink(tx, { namespace, name, ...config }));
    return sinkView(row);
  }

  async get(namespace: string, name: string): Promise<AlertSinkView> {
    const row = await findAlertSink(this.pool, namespace, name);
    if (!row) throw new DomainError('ALERT_SINK_NOT_FOUND', `no alert sink named "${name}"`);
    return sinkView(row);
  }

  async delete(namespace: string, name: string, audit: AuditEntry | undefined): Promise<void> {
    const deleted = await runPoolTransactionWithAudit(this.pool, audit, async (tx) => {
      const gone = await deleteAlertSink(tx, namespace, name);
      if (!gone) throw new DomainError('ALERT_SINK_NOT_FOUND', `no alert sink named "${name}"`);
      return gone;
    });
    void deleted;
  }

  /** A page of the sink's deliveries, newest first, after `cursor`. */
  async deliveries(namespace: string, name: string, limit: number, cursor?: string): Promise<{ items: AlertDeliveryView[]; nextCursor: string | null }> {
    await this.get(namespace, name);
    return keysetPage(await listAlertDeliveries(this.pool, namespace, name, limit + 1, cursor), limit, deliveryView);
  }
}
