import { NamespaceSchema } from '@agentic-flow/spec';
import { API_KEY_ROLES } from '@agentic-flow/store';
import { z } from 'zod';

const MAX_KEY_LIFETIME_DAYS = 3650;

export const CreateApiKeyBodySchema = z
  .strictObject({
    /** What the key is for, to recognise it in lists and the audit log. */
    name: z.string().trim().min(1).max(200),
    role: z.enum(API_KEY_ROLES),
    /** Where it may act; `["*"]`: every namespace. Default: the namespace of the call. The first is its default. */
    namespaces: z
      .array(z.union([NamespaceSchema, z.literal('*')]))
      .min(1)
      .max(100)
      .optional(),
    /** When it stops working (ISO 8601, in the future), or days from now. Default: never. */
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    expiresInDays: z.number().positive().max(MAX_KEY_LIFETIME_DAYS).optional(),
  })
  .refine((body) => body.expiresAt === undefined || body.expiresInDays === undefined, {
    message: 'give expiresAt or expiresInDays, not both',
    path: ['expiresInDays'],
  });

export const ApiKeyParamsSchema = z.strictObject({ keyId: z.string().regex(/^[a-z0-9]{12}$/, 'must be a key id (the 12 characters after "afk_")') });

export const ListApiKeysQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100), cursor: z.string().min(1).optional() });

export const CreateNamespaceBodySchema = z.strictObject({ name: NamespaceSchema });

export const ListAuditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** Entries before this sequence number (the previous page's last `seq`). */
  before: z.coerce.number().int().min(1).optional(),
  actor: z.string().min(1).max(100).optional(),
  action: z.string().min(1).max(100).optional(),
  outcome: z.enum(['ok', 'failed', 'denied', 'unauthenticated']).optional(),
  namespace: NamespaceSchema.optional(),
});
