#!/usr/bin/env node
import { RUN_EXIT } from './run-outcome.js';
import { runCommand } from './run-command.js';
import { UsageError } from './usage-error.js';
import { validateCommand } from './validate-command.js';

const USAGE = `usage: agentic-flow <command>

commands:
  run <file|workflowId> [--var name=value]… [options]
                   register the definition in <file> (unchanged content: nothing new), or take the
                   registered workflow <workflowId>, start an execution with the variables, wait
                   for it and print the outcome. A value that is JSON is JSON (n=3, ok=true,
                   s='"3"' for the string "3"); any other is text.
                   --url <url>          the coordinator (AF_URL; default http://127.0.0.1:3000)
                   --api-key <key>      its API key (AF_API_KEY; prefer the variable: argv is visible)
                   --namespace <name>   act in this namespace (AF_NAMESPACE)
                   --version <v>        with a workflow id: that version (default the latest)
                   --timeout <seconds>  stop waiting after this long (default 3600; the execution goes on)
                   --json               print the execution as JSON
                   exit code: 0 completed, 1 failed or cancelled, 2 wrong usage, 3 no outcome
                   (refused, unreachable, or still running at --timeout)
  validate <file>… [--json]
                   check definitions (JSON or YAML) offline, exactly as a coordinator with default
                   caps checks them when they are registered, and list every problem
                   exit code: 0 all valid, 1 a problem, 2 unreadable
  demo [--serve]   start a local coordinator and workers and run the examples;
                   --serve keeps them running afterwards and prints AF_URL and AF_API_KEY`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest, process.env);
      case 'validate':
        return await validateCommand(rest);
      case 'demo': {
        // Loaded only here: the demo starts processes through @agentic-flow/local-cluster, which run and validate never need.
        const { runDemo } = await import('./demo.js');
        const unknown = rest.filter((arg) => arg !== '--serve');
        if (unknown.length > 0) throw new UsageError(`demo: unknown option ${unknown[0]}`);
        return await runDemo(process.env, { serve: rest.includes('--serve') });
      }
      case undefined:
      case 'help':
      case '--help':
        console.log(USAGE);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`agentic-flow: ${error.message}\n\n${USAGE}`);
    return RUN_EXIT.usage;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`agentic-flow: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
