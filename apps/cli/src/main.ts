#!/usr/bin/env node
import { UsageError } from './usage-error.js';
import { validateCommand } from './validate-command.js';

const USAGE = `usage: agentic-flow <command>

commands:
  validate <file>… [--json]
                   check definitions (JSON or YAML) offline, exactly as a coordinator with default
                   caps checks them when they are registered, and list every problem
                   exit code: 0 all valid, 1 a problem, 2 unreadable
  demo             start a local coordinator and workers and run the examples`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'validate':
        return await validateCommand(rest);
      case 'demo': {
        // Loaded only here: the demo starts processes through @agentic-flow/testing, which validate never needs.
        const { runDemo } = await import('./demo.js');
        return await runDemo(process.env);
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
    return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`agentic-flow: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
