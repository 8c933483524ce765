// Not in realm.ts, which loads isolated-vm: the `./syntax` entry (the CLI's offline check) must not.

const AsyncFunction = (async () => undefined).constructor as FunctionConstructor;

/**
 * Throws a `SyntaxError` unless `body` is exactly one function body: V8's `Function` constructor
 * refuses a body that closes its function and opens another ("Single function literal required").
 * It only parses `body` here, in the host; nothing of it runs.
 */
export function checkFunctionBody(kind: 'async' | 'sync', parameters: readonly string[], body: string): void {
  try {
    if (kind === 'async') new AsyncFunction(...parameters, body);
    else new Function(...parameters, body);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new SyntaxError(`the code does not fit in one function (${message})`);
  }
}
