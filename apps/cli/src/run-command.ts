import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { AgenticFlowClient, AgenticFlowError, ConnectionError, HttpError, TimeoutError, WaitTimeoutError } from '@agentic-flow/sdk';
import { decodeUtf8, firstInvalidUtf8Byte } from '@agentic-flow/spec';
import { parseRunArgs, type RunOptions } from './run-args.js';
import { RUN_EXIT, exitCodeOf, outcomeText, stepLine } from './run-outcome.js';
import { printProblems } from './validate-command.js';

const isFile = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;

/**
 * `run <file|workflowId> [--var name=value]…`: registers the definition when given a file (the
 * same content again changes nothing), starts an execution with the variables, follows it step by
 * step on stderr and prints the outcome on stdout. Exit code 0 completed, 1 failed or cancelled,
 * 2 a wrong command line, 3 no outcome (the coordinator refused the definition or the start, was
 * unreachable, or the execution was still running at `--timeout`: it goes on without us).
 */
export async function runCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const options = parseRunArgs(argv, env, isFile);
  const client = new AgenticFlowClient({
    baseUrl: options.url,
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
  });
  try {
    const workflow = options.target.kind === 'file' ? await register(client, options.target.path) : { id: options.target.id, version: options.version };
    if (workflow === undefined) return RUN_EXIT.noOutcome;
    const executionId = await client.executeWorkflow(workflow.id, options.variables, workflow.version === undefined ? {} : { version: workflow.version });
    console.error(`started execution ${executionId}`);
    const execution = await client.waitForCompletion(executionId, { timeoutMs: options.timeoutMs, onStep: (step) => console.error(stepLine(step)) });
    console.log(outcomeText(execution, options.json));
    return exitCodeOf(execution);
  } catch (error) {
    reportFailure(error, options);
    return RUN_EXIT.noOutcome;
  }
}

/** Registers the file's definition as its text (as `validate` checks it); undefined when refused, with the problems printed. */
async function register(client: AgenticFlowClient, path: string): Promise<{ id: string; version: string } | undefined> {
  const bytes = await readFile(path);
  const text = decodeUtf8(bytes);
  if (text === undefined) {
    printProblems(path, [{ path: '$', message: `is not UTF-8: byte ${firstInvalidUtf8Byte(bytes)} starts no valid sequence` }]);
    return undefined;
  }
  try {
    const { id, version, created } = await client.createWorkflow(text);
    console.error(created ? `registered ${id}@${version}` : `${id}@${version} is registered already, with the same content`);
    return { id, version };
  } catch (error) {
    if (!(error instanceof HttpError) || error.status >= 500) throw error;
    if (error.problems.length > 0) printProblems(path, error.problems);
    else console.error(`${path}: ${error.message}`);
    return undefined;
  }
}

/** Says why there is no outcome: the API's refusal with its problems, or the coordinator out of reach, or still running. */
function reportFailure(error: unknown, options: RunOptions): void {
  if (error instanceof WaitTimeoutError) {
    console.error(
      `agentic-flow: execution ${error.executionId} is still ${error.lastStatus} after ${options.timeoutMs / 1000} s; it goes on (stopped waiting)`,
    );
    return;
  }
  // No answer (refused, reset, DNS, the call's time limit), after the SDK's own retries.
  if (error instanceof ConnectionError || error instanceof TimeoutError) {
    console.error(`agentic-flow: cannot reach the coordinator at ${options.url}: ${error.message}`);
    return;
  }
  if (error instanceof AgenticFlowError) {
    // An API refusal, an answer that is not the API's, an execution waiting for a decision on an escalated step.
    console.error(`agentic-flow: ${error.code}: ${error.message}`);
    // A missing variable's problem is at $.body.variables.<name>: say it as the option that gives it.
    if (error instanceof HttpError)
      for (const problem of error.problems)
        console.error(`  ${problem.path.replace(/^\$\.body\.variables(?:\.|\[")([^"\]]+)"?\]?$/, '--var $1')}: ${problem.message}`);
    return;
  }
  const { message, cause } = (error ?? {}) as { message?: string; cause?: { message?: string } };
  console.error(`agentic-flow: ${message ?? String(error)}${cause?.message === undefined ? '' : ` (${cause.message})`}`);
}
