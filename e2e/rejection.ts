import { HttpError } from '@agentic-flow/sdk';

/** The API error a call was refused with; any other outcome fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof HttpError)) throw new Error(`expected an API error, got ${String(error)}`);
  return error;
}
