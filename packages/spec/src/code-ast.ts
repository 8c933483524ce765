/**
 * What the static readings of a step's code (`result-reads.ts`, `variable-writes.ts`) share: the
 * shape of an acorn node, which identifiers are names rather than references, and the key a member
 * expression or a call argument spells out literally.
 */
export interface AstNode {
  type: string;
  [field: string]: unknown;
}

/** Child fields that are names, never references to a variable. */
export const NAME_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  MemberExpression: new Set(['property']),
  Property: new Set(['key']),
  MethodDefinition: new Set(['key']),
  PropertyDefinition: new Set(['key']),
  LabeledStatement: new Set(['label']),
  BreakStatement: new Set(['label']),
  ContinueStatement: new Set(['label']),
  MetaProperty: new Set(['meta', 'property']),
};

/** The property a member expression names statically, if it does. */
export function staticKey(member: AstNode): string | undefined {
  const property = member['property'] as AstNode;
  if (member['computed'] !== true) return property.type === 'Identifier' ? (property['name'] as string) : undefined;
  return literalText(property);
}

/** The text of a string or number literal, or of a template literal without substitutions. */
export function literalText(node: AstNode): string | undefined {
  if (node.type === 'Literal' && (typeof node['value'] === 'string' || typeof node['value'] === 'number')) return String(node['value']);
  if (node.type === 'TemplateLiteral' && (node['expressions'] as unknown[]).length === 0) {
    const [quasi] = node['quasis'] as { value: { cooked: string | null } }[];
    return quasi?.value.cooked ?? undefined;
  }
  return undefined;
}

export function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
