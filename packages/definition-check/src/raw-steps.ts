/** The `steps` of a definition not validated yet, or none: the checks read raw input so their problems come with the schema's, all at once. */
export function rawSteps(input: unknown): unknown[] {
  const steps = (input as { steps?: unknown } | null)?.steps;
  return Array.isArray(steps) ? steps : [];
}
