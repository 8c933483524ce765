import { z } from 'zod';

/**
 * Namespaces partition workflows, executions, recovery strategies and API keys: a request acts in
 * exactly one, sees only its objects, and what it creates belongs to it. Names are DNS-label-like,
 * so they fit in headers, URLs and log lines without escaping.
 */
export const NAMESPACE_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The namespace every installation has (created by the migration); objects made before namespaces existed are in it. */
export const DEFAULT_NAMESPACE = 'default';

export const NamespaceSchema = z
  .string()
  .regex(NAMESPACE_PATTERN, 'must be 1-63 characters of lowercase letters, digits or "-", starting with a letter or digit');
