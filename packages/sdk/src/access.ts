import { Transport, enc, query } from './transport.js';

export type ApiKeyRole = 'viewer' | 'operator' | 'editor' | 'admin';

export interface ApiKeyView {
  id: string;
  /** `afk_<id>`: how the key starts, to recognise it. */
  prefix: string;
  name: string;
  role: ApiKeyRole;
  /** Where it may act; `["*"]`: every namespace. */
  namespaces: string[];
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreateApiKeyInput {
  name: string;
  role: ApiKeyRole;
  /** Default: the client's namespace. `["*"]`: every namespace. */
  namespaces?: string[];
  expiresAt?: string;
  expiresInDays?: number;
}

export interface AuditEntryView {
  seq: number;
  at: string;
  actor: string;
  role: string | null;
  namespace: string | null;
  action: string;
  target: string;
  requestId: string;
  clientAddress: string | null;
  outcome: 'ok' | 'failed' | 'denied' | 'unauthenticated';
  status: number;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  head: string;
  broken?: { seq: number; reason: string };
}

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
  getAuditLog(options: { limit?: number; before?: number; actor?: string; action?: string; outcome?: AuditEntryView['outcome']; namespace?: string } = {}): Promise<{ items: AuditEntryView[]; nextBefore: number | null }> {
    return this.transport.request('GET', `/v1/audit${query(options)}`);
  }

  /** Recomputes the audit log's hash chain. */
  verifyAuditLog(): Promise<AuditVerification> {
    return this.transport.request('GET', '/v1/audit/verify');
  }
}
