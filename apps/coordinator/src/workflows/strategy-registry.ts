import type { RegisteredStrategies } from '@agentic-flow/engine';
import { RecoveryStrategySchema, type RecoveryStrategy } from '@agentic-flow/spec';
import { listStrategies, type Database } from '@agentic-flow/store';
import type { Logger } from '@agentic-flow/telemetry';

const NONE: ReadonlyMap<string, RecoveryStrategy> = new Map();

/** One namespace's strategies: by step type, and by workflow then step id. */
interface NamespaceStrategies {
  byType: Map<string, RecoveryStrategy>;
  byWorkflow: Map<string, Map<string, RecoveryStrategy>>;
}

/**
 * The recovery strategies registered through the API, per namespace, as the engine reads them: an
 * execution gets its own namespace's type-level strategies and its own workflow's step-level ones,
 * never another workflow's (a step id means something only inside its workflow). Every coordinator
 * reloads them from PostgreSQL every `refreshMs`, and at once after a registration of its own, so
 * all coordinators apply the same strategies within that interval — without a query on the
 * per-step path.
 */
export class StrategyRegistry {
  private current: ReadonlyMap<string, NamespaceStrategies> = new Map();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly refreshMs = 2_000,
  ) {}

  /** The strategies that may act in an execution of `workflowId` in `namespace` (empty maps when it has none). */
  strategiesFor(namespace: string, workflowId: string): RegisteredStrategies {
    const strategies = this.current.get(namespace);
    return { byType: strategies?.byType ?? NONE, byStep: strategies?.byWorkflow.get(workflowId) ?? NONE };
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
      const next = new Map<string, NamespaceStrategies>();
      for (const row of rows) {
        const parsed = RecoveryStrategySchema.safeParse(row.strategy);
        if (!parsed.success) {
          this.logger.error(
            { namespace: row.namespace, workflowId: row.workflowId, target: row.target },
            'a stored recovery strategy no longer validates; ignored',
          );
          continue;
        }
        let strategies = next.get(row.namespace);
        if (strategies === undefined) next.set(row.namespace, (strategies = { byType: new Map(), byWorkflow: new Map() }));
        if (row.workflowId === null) {
          strategies.byType.set(row.target, parsed.data);
          continue;
        }
        let steps = strategies.byWorkflow.get(row.workflowId);
        if (steps === undefined) strategies.byWorkflow.set(row.workflowId, (steps = new Map()));
        steps.set(row.target, parsed.data);
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
