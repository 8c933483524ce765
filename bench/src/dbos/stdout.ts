/**
 * The harness parses exactly one JSON line from this process's stdout, so anything
 * a dependency prints through `console.log`/`info`/`debug` is diverted to stderr.
 * Returns the only writer allowed to reach the real stdout.
 */
export function reserveStdout(): (line: string) => void {
  const toStderr = (...args: unknown[]): void => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  return (line) => {
    process.stdout.write(`${line}\n`);
  };
}
