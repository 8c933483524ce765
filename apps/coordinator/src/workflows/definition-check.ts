import { checkDefinition, type DefinitionCaps } from '@agentic-flow/definition-check';
import type { Problem, WorkflowDefinition, WorkflowGraph } from '@agentic-flow/spec';
import { contentHash } from './canonical-json.js';
import { decodeGraph, encodeGraph, type EncodedGraph } from './graph-codec.js';

export type { DefinitionCaps };

export type DefinitionCheck = { ok: true; definition: WorkflowDefinition; graph: WorkflowGraph; contentHash: string } | { ok: false; problems: Problem[] };

/** A check as it crosses from the checking thread: the definition as JSON text, the graph as index arrays (both cheap to receive). */
export type EncodedCheck = { ok: true; definitionJson: string; graph: EncodedGraph; contentHash: string } | { ok: false; problems: Problem[] };

export function encodeCheck(check: DefinitionCheck): EncodedCheck {
  if (!check.ok) return check;
  return { ok: true, definitionJson: JSON.stringify(check.definition), graph: encodeGraph(check.graph), contentHash: check.contentHash };
}

/** Decodes in two ticks (the definition, then its graph): each is tens of milliseconds for 10,000 steps. */
export async function decodeCheck(encoded: EncodedCheck): Promise<DefinitionCheck> {
  if (!encoded.ok) return encoded;
  const definition = JSON.parse(encoded.definitionJson) as WorkflowDefinition;
  await new Promise((resolve) => setImmediate(resolve));
  return { ok: true, definition, graph: decodeGraph(encoded.graph), contentHash: encoded.contentHash };
}

/**
 * Registration's check: everything a definition must pass (`checkDefinition`, shared with the CLI's
 * `validate` so offline and online verdicts agree), and the content hash that makes definitions
 * immutable. Run off the event loop (`DefinitionChecker`): for a definition of tens of thousands of
 * steps it takes a second.
 */
export function checkForRegistration(input: unknown, caps: DefinitionCaps | undefined): DefinitionCheck {
  const verdict = checkDefinition(input, caps);
  return verdict.ok ? { ...verdict, contentHash: contentHash(verdict.definition) } : verdict;
}
