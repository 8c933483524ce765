import { z } from 'zod';
import { noSecrets } from '../secrets.js';
import { hasTemplate } from '../templates.js';
import { parseDuration, parseInstant } from '../wait-time.js';

/** A value that is either checked now or, holding a `{{ template }}`, checked by the engine at launch. */
const templatedOr = (parse: (value: unknown) => { ok: true } | { ok: false; reason: string }) =>
  z.union([z.number(), z.string()]).superRefine((value, ctx) => {
    if (typeof value === 'string' && hasTemplate(value)) return;
    const parsed = parse(value);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
  });

/**
 * A `wait` step waits for a while (`duration`) or until an instant (`until`), then succeeds. It holds
 * no job and no worker while it waits: its timer is a row in PostgreSQL (docs/architecture.md, Step
 * signals). Exactly one of the two; either may be a `{{ template }}`, checked when the step starts.
 */
export const WaitConfigSchema = z
  .strictObject({
    /** Milliseconds (a number), or whole units largest first: `500ms`, `30s`, `15m`, `2h`, `1d`, `1h30m`. At most 366 days. */
    duration: templatedOr(parseDuration).optional(),
    /** An ISO 8601 date-time with a timezone (`2030-01-01T09:00:00Z`). A time already past continues at once. */
    until: z
      .string()
      .superRefine((value, ctx) => {
        if (hasTemplate(value)) return;
        const parsed = parseInstant(value);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
      })
      .optional(),
  })
  .superRefine((config, ctx) => {
    const given = (config.duration !== undefined ? 1 : 0) + (config.until !== undefined ? 1 : 0);
    if (given !== 1) ctx.addIssue({ code: 'custom', message: given === 0 ? 'needs "duration" or "until"' : 'takes "duration" or "until", not both' });
  });

export type WaitConfig = z.infer<typeof WaitConfigSchema>;

/** Waits run on coordinators, which never hold secrets. */
export const WAIT_SECRETS = noSecrets('waits run on coordinators, which never hold secrets');
