import type { AlertView } from '@agentic-flow/spec';
import { query, type Transport } from './transport.js';

/** The engine's `WorkflowMonitor` over HTTP. */
export class WorkflowMonitor {
  constructor(private readonly transport: Transport) {}

  /** Recent alerts (escalations waiting for a human, …), newest first; `limit` 1–500, default 50. */
  async getAlerts(limit?: number): Promise<AlertView[]> {
    return (await this.transport.request<{ items: AlertView[] }>('GET', `/v1/alerts${query({ limit })}`)).items;
  }
}
