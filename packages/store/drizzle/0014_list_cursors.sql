-- Errors, alerts, alert deliveries and API keys are listed with keyset cursors (issue 15), which
-- carry `created_at` at millisecond precision, as the coordinator writes it. Rows written with the
-- column default (resolved escalations, monitor alerts, deliveries, keys) had microseconds, so a
-- cursor could skip or repeat rows within a millisecond: the default is truncated from now on, and
-- so are the rows written so far with it. (`alert_deliveries` is not in the drizzle schema: 0011
-- made it by hand.)
ALTER TABLE "alerts" ALTER COLUMN "created_at" SET DEFAULT date_trunc('milliseconds', now());--> statement-breakpoint
ALTER TABLE "api_keys" ALTER COLUMN "created_at" SET DEFAULT date_trunc('milliseconds', now());--> statement-breakpoint
ALTER TABLE "errors" ALTER COLUMN "created_at" SET DEFAULT date_trunc('milliseconds', now());--> statement-breakpoint
ALTER TABLE "alert_deliveries" ALTER COLUMN "created_at" SET DEFAULT date_trunc('milliseconds', now());--> statement-breakpoint
UPDATE "alerts" SET "created_at" = date_trunc('milliseconds', "created_at") WHERE "created_at" <> date_trunc('milliseconds', "created_at");--> statement-breakpoint
UPDATE "api_keys" SET "created_at" = date_trunc('milliseconds', "created_at") WHERE "created_at" <> date_trunc('milliseconds', "created_at");--> statement-breakpoint
UPDATE "errors" SET "created_at" = date_trunc('milliseconds', "created_at") WHERE "created_at" <> date_trunc('milliseconds', "created_at");--> statement-breakpoint
UPDATE "alert_deliveries" SET "created_at" = date_trunc('milliseconds', "created_at") WHERE "created_at" <> date_trunc('milliseconds', "created_at");
