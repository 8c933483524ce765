import { readFile } from 'node:fs/promises';
import { checkDefinitionSource } from '@agentic-flow/definition-check';
import type { Problem } from '@agentic-flow/spec';
import { UsageError } from './usage-error.js';

/**
 * `validate <file>… [--json]`: each file checked as a coordinator checks it when it is registered
 * (`checkDefinitionSource`: the same code, with a coordinator's default caps), so a file valid here
 * is registered there, and an invalid one is refused with the same problems. Exit code 0 when every
 * file is valid, 1 when one is not, 2 when one cannot be read. `--json` prints one line per file:
 * `{"file","valid","problems"}` (and `id`, `version` when valid).
 */
export async function validateCommand(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const unknown = argv.find((arg) => arg.startsWith('--') && arg !== '--json');
  if (unknown !== undefined) throw new UsageError(`unknown option "${unknown}"`);
  const files = argv.filter((arg) => !arg.startsWith('--'));
  if (files.length === 0) throw new UsageError('validate needs a definition file');
  let code = 0;
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      console.error(`${file}: cannot read: ${(error as Error).message}`);
      code = 2;
      continue;
    }
    const verdict = checkDefinitionSource(bytes);
    if (verdict.ok) {
      const { id, version, steps } = verdict.definition;
      console.log(json ? JSON.stringify({ file, valid: true, id, version, problems: [] }) : `${file}: valid (${id}@${version}, ${steps.length} steps)`);
      continue;
    }
    code = Math.max(code, 1);
    if (json) console.log(JSON.stringify({ file, valid: false, problems: verdict.problems }));
    else printProblems(file, verdict.problems);
  }
  return code;
}

/** `file: path: message`, one line per problem, on stderr. */
export function printProblems(file: string, problems: readonly Problem[]): void {
  for (const problem of problems) console.error(`${file}: ${problem.path}: ${problem.message}`);
}
