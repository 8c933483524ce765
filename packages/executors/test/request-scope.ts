import diagnosticsChannel from 'node:diagnostics_channel';

/**
 * Runs `run` with an `inTrace` scope and records, for every undici request created meanwhile,
 * whether it was created inside that scope — what the undici instrumentation parents its spans by
 * (it reads the active context when undici publishes `undici:request:create`).
 */
export async function requestsCreatedInScope<T>(run: (inTrace: <R>(fn: () => R) => R) => Promise<T>): Promise<{ result: T; inScope: boolean[] }> {
  let depth = 0;
  const inScope: boolean[] = [];
  const onCreate = (): void => void inScope.push(depth > 0);
  const inTrace = <R>(fn: () => R): R => {
    depth++;
    try {
      return fn();
    } finally {
      depth--;
    }
  };
  diagnosticsChannel.subscribe('undici:request:create', onCreate);
  try {
    return { result: await run(inTrace), inScope };
  } finally {
    diagnosticsChannel.unsubscribe('undici:request:create', onCreate);
  }
}
