/**
 * Runs `task` `count` times with exactly `inFlight` calls outstanding (fewer only
 * at the tail): each worker starts the next call as soon as its previous one settles.
 * Returns wall time in ms from the first start to the last completion.
 * The first failure rejects; remaining workers stop picking up new work.
 */
export async function runClosedLoop(count: number, inFlight: number, task: () => Promise<void>): Promise<number> {
  let started = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && started < count) {
      started++;
      try {
        await task();
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  return performance.now() - t0;
}
