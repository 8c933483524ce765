import type { Config } from 'drizzle-kit';

// `pnpm --filter @agentic-flow/store db:generate` writes a new SQL migration into `drizzle/` after a
// schema change. Migrations are committed and applied at startup by `migrateDatabase`.
export default {
  dialect: 'postgresql',
  schema: './src/schema/index.ts',
  out: './drizzle',
  strict: true,
  verbose: true,
} satisfies Config;
