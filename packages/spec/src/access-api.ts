/** The access API's shapes: API keys, namespaces, the audit log. Timestamps are ISO 8601. */

/** Roles, each allowed what the one before it is and more. */
export const API_KEY_ROLES = ['viewer', 'operator', 'editor', 'admin'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export interface ApiKeyView {
  id: string;
  /** `afk_<id>`: how the key starts, to recognise it. */
  prefix: string;
  name: string;
  role: ApiKeyRole;
  /** Where it may act; `["*"]`: every namespace. The first is its default. */
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
  /** Default: the namespace of the call. `["*"]`: every namespace. */
  namespaces?: string[];
  expiresAt?: string;
  expiresInDays?: number;
}

export type AuditOutcome = 'ok' | 'failed' | 'denied' | 'unauthenticated';

export interface AuditEntryView {
  seq: number;
  at: string;
  /** A key's id, `bootstrap`, `anonymous`, `cli`, `auth-disabled` or `oidc:<sub>`. */
  actor: string;
  role: string | null;
  namespace: string | null;
  action: string;
  /** Method and path of the call. */
  target: string;
  requestId: string;
  clientAddress: string | null;
  outcome: AuditOutcome;
  status: number;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Rows whose hash was recomputed. */
  checked: number;
  /** The last row's hash: keep it elsewhere to notice a truncated tail later. */
  head: string;
  /** The first row that does not fit the chain, and why. */
  broken?: { seq: number; reason: string };
}
