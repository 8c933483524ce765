import { z } from 'zod';

export const TriggerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('manual') }),
  z.strictObject({
    type: z.literal('schedule'),
    /** Five- or six-field cron expression. */
    cron: z.string().min(1),
    timezone: z.string().min(1).optional(),
    variables: z.record(z.string(), z.unknown()).optional(),
  }),
  z.strictObject({
    type: z.literal('webhook'),
    path: z.string().min(1).optional(),
    /** Name of the secret that signs requests (HMAC), never the secret itself. */
    secret: z.string().min(1).optional(),
  }),
  z.strictObject({
    type: z.literal('event'),
    /** e.g. `workflow:completed` */
    event: z.string().min(1),
    filter: z.record(z.string(), z.unknown()).optional(),
  }),
]);

export type Trigger = z.infer<typeof TriggerSchema>;
