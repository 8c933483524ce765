/**
 * What the static readings of a step's code (`result-reads.ts`, `variable-writes.ts`) share: the
 * shape of an acorn node, which identifiers are names rather than references, and the key a member
 * expression or a call argument spells out literally, and the walk over the references.
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

/**
 * Calls `visit` with each identifier of `program` that refers to a variable (property keys, labels
 * and other names skipped), its parent and the parent's field holding it, until `visit` returns
 * false. Returns whether the walk went through. Iterative: a hostile text nested thousands deep
 * must not overflow the stack here.
 */
export function everyReference(program: AstNode, visit: (name: string, parent: AstNode | undefined, field: string) => boolean): boolean {
  const stack: { node: AstNode; parent: AstNode | undefined; field: string }[] = [{ node: program, parent: undefined, field: '' }];
  while (stack.length > 0) {
    const { node, parent, field } = stack.pop()!;
    if (node.type === 'Identifier') {
      const isName = parent !== undefined && NAME_FIELDS[parent.type]?.has(field) === true && parent['computed'] !== true;
      if (!isName && !visit(node['name'] as string, parent, field)) return false;
      continue;
    }
    for (const [key, value] of Object.entries(node)) {
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) stack.push({ node: item, parent: node, field: key });
      } else if (isNode(value)) {
        stack.push({ node: value, parent: node, field: key });
      }
    }
  }
  return true;
}
