import { z } from 'zod';
import { DurationMsSchema } from '../ids.js';
import { secretPolicy } from '../secrets.js';
import type { WorkJobContents } from '../work-job-contents.js';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

export const HttpConfigSchema = z.strictObject({
  method: z.enum(HTTP_METHODS).default('GET'),
  /** Absolute http(s) URL. Supports `{{ }}` templates. */
  url: z.string().min(1, 'must not be empty'),
  headers: z.record(z.string(), z.string()).default({}),
  /** Query parameters appended to the URL. */
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** Objects and arrays are sent as JSON; strings as they are. */
  body: z.unknown().optional(),
  /** Per attempt. */
  timeout: DurationMsSchema.default(30_000),
  /** Extra attempts after the first on network errors, 5xx and 429. */
  retries: z.number().int().min(0).max(10).default(0),
  /** First retry delay; doubles each retry (with jitter), or follows `Retry-After`. */
  retryDelay: z.number().int().min(0).default(1000),
  /** Statuses outside 2xx that count as success. */
  acceptStatus: z.array(z.number().int().min(100).max(599)).default([]),
  /** How to read the response body: by its content type (default), as JSON, or as text. */
  responseType: z.enum(['auto', 'json', 'text']).default('auto'),
  /**
   * The `Idempotency-Key` header every request of the step carries. Default: one derived from the
   * execution, the step instance and its attempt, the same across every retry and re-run of that
   * attempt. A string (templates allowed) replaces it; `false` sends none. An `Idempotency-Key` in
   * `headers` wins over both.
   */
  idempotencyKey: z.union([z.string().min(1).max(255), z.literal(false)]).optional(),
});

export type HttpConfig = z.infer<typeof HttpConfigSchema>;

/**
 * What an http step's response said beside its body. The step's result (`results["id"]`, its run's
 * `output`) is the body alone — parsed JSON, text, or `null` when empty — because that is what the
 * steps after it read; the status and headers are here, as `steps["id"]` in expressions, templates
 * and scripts and as `response` on the step run.
 */
export const HttpResponseSchema = z.object({
  status: z.number().int().min(100).max(599),
  /** Lower-cased names; repeated headers joined with ", " except `set-cookie`, which is a list. */
  headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
});

export type HttpResponse = z.infer<typeof HttpResponseSchema>;

/** An http step sends secrets: `{{ secrets.NAME }}` in its url, header values, query values and body. */
export const HTTP_SECRETS = secretPolicy(
  ['url', 'headers.*', 'query.*', 'body.**'],
  "{{ secrets.NAME }} is allowed only in an http step's url, header values, query values and body",
);

/** An http step's job carries its config alone: the engine resolved its templates, and it spends no tokens. */
export const HTTP_JOB_CONTENTS: WorkJobContents = { scope: false, tokenBudget: false };
