import type { ApiKeyView, AuditEntryView, AuditOutcome, AuditVerification, CreateApiKeyInput, Page } from '@agentic-flow/spec';
import { callOptionsOf, withoutCallOptions, type CallOptions } from './call-options.js';
import { pageOf } from './list-page.js';
import { aList, anObject, anything, fields } from './response-shape.js';
import { enc, query, type Transport } from './transport.js';

export interface AuditLogOptions extends CallOptions {
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** @deprecated Pass the previous page's `nextCursor` as `cursor`. Kept for one release. */
  before?: number;
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  namespace?: string;
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
  createApiKey(input: CreateApiKeyInput, options?: CallOptions): Promise<ApiKeyView & { key: string }> {
    return this.transport.request({
      method: 'POST',
      path: '/v1/api-keys',
      body: input,
      expect: fields({ id: 'string', key: 'string' }),
      call: callOptionsOf(options),
    });
  }

  /** Keys, newest first (`limit` 1–500, default 100); pass `nextCursor` as `cursor` for older ones. */
  listApiKeys(options: { limit?: number; cursor?: string } & CallOptions = {}): Promise<Page<ApiKeyView>> {
    return pageOf(this.transport, `/v1/api-keys${query({ limit: options.limit, cursor: options.cursor })}`, options);
  }

  async revokeApiKey(keyId: string, options?: CallOptions): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: `/v1/api-keys/${enc(keyId)}`, expect: anything, call: callOptionsOf(options) });
  }

  /** Creates a namespace; one that exists already is left as it is (`created: false`), so this is retried like a read. */
  createNamespace(name: string, options?: CallOptions): Promise<{ name: string; created: boolean }> {
    return this.transport.request({
      method: 'POST',
      path: '/v1/namespaces',
      body: { name },
      idempotent: true,
      expect: fields({ name: 'string', created: 'boolean' }),
      call: callOptionsOf(options),
    });
  }

  /** The namespaces this key may act in (all of them: `nextCursor` is null). */
  listNamespaces(options?: CallOptions): Promise<Page<{ name: string; createdAt: string }>> {
    return pageOf(this.transport, '/v1/namespaces', options);
  }

  /** Audit entries, newest first; pass the page's `nextCursor` as `cursor` for older ones. */
  async getAuditLog(options: AuditLogOptions = {}): Promise<Page<AuditEntryView> & { /** @deprecated Use `nextCursor`. */ nextBefore: number | null }> {
    const { cursor, before, ...filter } = withoutCallOptions(options);
    // The audit log pages by sequence number: its cursor is the number, as text.
    const from = cursor !== undefined ? cursor : before === undefined ? undefined : String(before);
    const body = await this.transport.request<{ items: AuditEntryView[]; nextBefore: number | null }>({
      method: 'GET',
      path: `/v1/audit${query({ ...filter, before: from })}`,
      expect: aList,
      call: callOptionsOf(options),
    });
    return {
      items: body.items,
      nextCursor: body.nextBefore === null || body.nextBefore === undefined ? null : String(body.nextBefore),
      nextBefore: body.nextBefore ?? null,
    };
  }

  /** Recomputes the audit log's hash chain. */
  verifyAuditLog(options?: CallOptions): Promise<AuditVerification> {
    return this.transport.request({ method: 'GET', path: '/v1/audit/verify', expect: anObject, call: callOptionsOf(options) });
  }
}
