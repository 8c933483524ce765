import { JSON_PROBLEM_REASONS, YAML_BODY_LIMIT, decodeUtf8, findJsonProblem, firstInvalidUtf8Byte, formatPath, parseDefinitionText } from '@agentic-flow/spec';
import { checkDefinition, type DefinitionVerdict } from './check-definition.js';
import { DEFAULT_DEFINITION_CAPS, type DefinitionCaps } from './definition-caps.js';

/**
 * A definition file's bytes, checked as a coordinator checks the same text sent to
 * `POST /v1/workflows` as `application/yaml` (which is how the SDK's `createWorkflow(text)` and the
 * CLI's `run` send it), with the same functions in the same order: at most {@link YAML_BODY_LIMIT}
 * bytes, UTF-8, parsed (`parseDefinitionText`: YAML, or JSON when it starts with `{`), no NUL,
 * lone surrogate or nesting past the limit (`findJsonProblem`), then {@link checkDefinition} with
 * `caps` (default: a coordinator's defaults). Problems have the paths and messages the API answers.
 */
export function checkDefinitionSource(bytes: Uint8Array, caps: DefinitionCaps = DEFAULT_DEFINITION_CAPS): DefinitionVerdict {
  if (bytes.length > YAML_BODY_LIMIT) {
    return {
      ok: false,
      problems: [
        {
          path: '$',
          message: `is ${bytes.length} bytes; a coordinator parses at most ${YAML_BODY_LIMIT} bytes of definition text (send a larger definition as a JSON object)`,
        },
      ],
    };
  }
  const text = decodeUtf8(bytes);
  if (text === undefined)
    return { ok: false, problems: [{ path: '$', message: `is not UTF-8: byte ${firstInvalidUtf8Byte(bytes)} starts no valid sequence` }] };
  const parsed = parseDefinitionText(text);
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  const problem = findJsonProblem(parsed.value);
  if (problem) return { ok: false, problems: [{ path: formatPath(problem.path), message: JSON_PROBLEM_REASONS[problem.kind] }] };
  return checkDefinition(parsed.value, caps);
}
