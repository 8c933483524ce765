import type { ApiKeyView, AuditEntryView, AuditOutcome, AuditVerification, CreateApiKeyInput } from '@agentic-flow/spec';
import { Transport, enc, query } from './transport.js';

/**
 * Access administration: API keys, namespaces, the audit log. Every call here needs an admin key
 * (listing namespaces, any key).
 *
 * @example
 * const { key } = await admin.access.createApiKey({ name: 'ci', role: 'operator', expiresInDays: 90 });
 * const ci = new AgenticFlowClient({ baseUrl, apiKey: key });
 */
export class AccessAdmin {
  constructor(private readonly transport: Transport) {}

  /** Creates a key; `key` is shown this once and cannot be read again. */
  createApiKey(input: CreateApiKeyInput): Promise<ApiKeyView & { key: string }> {
    return this.transport.request('POST', '/v1/api-keys', input);
  }

  listApiKeys(options: { limit?: number } = {}): Promise<{ items: ApiKeyView[] }> {
    return this.transport.request('GET', `/v1/api-keys${query({ limit: options.limit })}`);
  }

  async revokeApiKey(keyId: string): Promise<void> {
    await this.transport.request('DELETE', `/v1/api-keys/${enc(keyId)}`);
  }

  createNamespace(name: string): Promise<{ name: string; created: boolean }> {
    return this.transport.request('POST', '/v1/namespaces', { name });
  }

  listNamespaces(): Promise<{ items: { name: string; createdAt: string }[] }> {
    return this.transport.request('GET', '/v1/namespaces');
  }

  /** Audit entries, newest first; pass the previous page's `nextBefore` as `before`. */
  getAuditLog(options: { limit?: number; before?: number; actor?: string; action?: string; outcome?: AuditOutcome; namespace?: string } = {}): Promise<{ items: AuditEntryView[]; nextBefore: number | null }> {
    return this.transport.request('GET', `/v1/audit${query(options)}`);
  }

  /** Recomputes the audit log's hash chain. */
  verifyAuditLog(): Promise<AuditVerification> {
    return this.transport.request('GET', '/v1/audit/verify');
  }
}
