import { readFile } from 'node:fs/promises';
import { parseDefinitionText, validateDefinition } from '@agentic-flow/spec';
import { runDemo } from './demo.js';

const USAGE = `usage: agentic-flow <command>

commands:
  demo             start a local coordinator and workers and run the examples
  validate <file>  check a workflow definition (JSON or YAML) and list every problem`;

async function validate(file: string | undefined): Promise<number> {
  if (!file) {
    console.error(USAGE);
    return 2;
  }
  const parsed = parseDefinitionText(await readFile(file, 'utf8'), file.endsWith('.json') ? 'json' : undefined);
  const result = parsed.ok ? validateDefinition(parsed.value) : parsed;
  if (result.ok) {
    console.log(`${file}: valid (${result.definition.id}@${result.definition.version}, ${result.definition.steps.length} steps)`);
    return 0;
  }
  for (const problem of result.problems) console.error(`${file}: ${problem.path}: ${problem.message}`);
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo':
      return runDemo(process.env);
    case 'validate':
      return validate(rest[0]);
    default:
      console.error(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`agentic-flow: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
