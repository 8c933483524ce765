/**
 * Settles with `work`, or rejects with the signal's reason as soon as `signal` aborts, whichever
 * comes first. The step's timeout must bound the whole agent loop even when a provider or an
 * operator's tool ignores its signal; the abandoned promise is left to settle on its own (its
 * rejection is swallowed so it cannot crash the process as unhandled).
 */
export function abortable<T>(work: Promise<T> | T, signal: AbortSignal): Promise<T> {
  const promise = Promise.resolve(work);
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => undefined);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
