import { StepCancellationSubscriber } from '@agentic-flow/queue';
import type { Logger } from '@agentic-flow/telemetry';
import type { Redis } from 'ioredis';
import type { RunningSteps } from './running-steps.js';

export interface CancellationListenerOptions {
  /** A connection of its own (subscriber mode), reconnecting forever. */
  subscription: Redis;
  /** The worker's command connection: reads cancellation markers. */
  commands: Redis;
  prefix: string;
  running: RunningSteps;
  logger: Logger;
}

export interface CancellationListener {
  /** Whether a run's cancellation marker exists (one Redis read): for jobs that ran before. */
  wasCancelled(stepRunId: string): Promise<boolean>;
  /** Stops listening; the caller closes the connections. */
  close(): Promise<void>;
}

/**
 * Connects the coordinator's cancellation signal to the steps this worker runs: every message, and
 * every marker found after a re-subscription, aborts the named steps in `running` (and is
 * remembered there for steps not registered yet). Resolves once subscribed, so the worker takes no
 * job before it can hear that job's cancellation.
 */
export async function listenForCancellations(options: CancellationListenerOptions): Promise<CancellationListener> {
  const { running, logger } = options;
  const subscriber = new StepCancellationSubscriber({
    subscription: options.subscription,
    commands: options.commands,
    prefix: options.prefix,
    running: () => running.ids(),
    onCancel: (stepRunIds, source) => {
      const aborted = running.cancel(stepRunIds);
      if (aborted.length > 0) logger.info({ stepRunIds: aborted, source }, `cancelling ${aborted.length} running step${aborted.length === 1 ? '' : 's'}`);
    },
    onError: (error) => logger.warn({ err: error }, 'step cancellations: could not read a cancellation'),
  });
  await subscriber.start();
  return {
    wasCancelled: async (stepRunId) => (await subscriber.findCancelled([stepRunId])).length > 0,
    close: () => subscriber.close(),
  };
}
