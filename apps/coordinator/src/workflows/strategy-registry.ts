import { RecoveryStrategySchema, type RecoveryStrategy } from '@agentic-flow/spec';
import { listStrategies, type Database } from '@agentic-flow/store';
import type { Logger } from '@agentic-flow/telemetry';

const NONE: ReadonlyMap<string, RecoveryStrategy> = new Map();

/**
 * The recovery strategies registered through the API, per namespace, as the engine reads them
 * (keyed by step type or step id): an execution gets its own namespace's, never another's. Every
 * coordinator reloads them from PostgreSQL every `refreshMs`, and at once after a registration of
 * its own, so all coordinators apply the same strategies within that interval — without a query on
 * the per-step path.
 */
export class StrategyRegistry {
  private current: ReadonlyMap<string, ReadonlyMap<string, RecoveryStrategy>> = new Map();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly refreshMs = 2_000,
  ) {}

  /** The strategies registered in `namespace`, by target (empty when it has none). */
  strategiesOf(namespace: string): ReadonlyMap<string, RecoveryStrategy> {
    return this.current.get(namespace) ?? NONE;
  }

  async start(): Promise<void> {
    await this.refresh();
    const tick = () => {
      this.timer = setTimeout(() => void this.refresh().finally(tick), this.refreshMs);
      this.timer.unref();
    };
    tick();
  }

  async refresh(): Promise<void> {
    try {
      const rows = await listStrategies(this.db);
      const next = new Map<string, Map<string, RecoveryStrategy>>();
      for (const row of rows) {
        const parsed = RecoveryStrategySchema.safeParse(row.strategy);
        if (!parsed.success) {
          this.logger.error({ namespace: row.namespace, target: row.target }, 'a stored recovery strategy no longer validates; ignored');
          continue;
        }
        let strategies = next.get(row.namespace);
        if (strategies === undefined) next.set(row.namespace, (strategies = new Map()));
        strategies.set(row.target, parsed.data);
      }
      this.current = next;
    } catch (error) {
      this.logger.warn({ err: error }, 'reloading recovery strategies failed; keeping the last ones');
    }
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
