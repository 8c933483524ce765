/**
 * The structure of a workflow as the graph analysis sees it: ids and references only. Built leniently
 * from raw input too, so graph problems are reported alongside schema problems, all at once.
 */
export interface GraphStepView {
  index: number;
  id: string;
  type: string;
  next: string[];
  trueStep?: string | undefined;
  falseStep?: string | undefined;
  /** parallel: `config.steps` */
  branchRoots?: string[] | undefined;
  /** loop: `config.loopStep` */
  loopStep?: string | undefined;
  alternativeStep?: string | undefined;
  rollbackSteps?: string[] | undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const strs = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined);

/** Extracts the graph structure from an unvalidated definition; steps without a string id are left out. */
export function graphViewOf(input: unknown): GraphStepView[] {
  if (!isRecord(input) || !Array.isArray(input['steps'])) return [];
  const views: GraphStepView[] = [];
  input['steps'].forEach((raw: unknown, index: number) => {
    if (!isRecord(raw) || typeof raw['id'] !== 'string') return;
    const config = isRecord(raw['config']) ? raw['config'] : {};
    const onError = isRecord(raw['onError']) ? raw['onError'] : {};
    const type = str(raw['type']) ?? '';
    views.push({
      index,
      id: raw['id'],
      type,
      next: strs(raw['next']) ?? [],
      trueStep: type === 'condition' ? str(config['trueStep']) : undefined,
      falseStep: type === 'condition' ? str(config['falseStep']) : undefined,
      branchRoots: type === 'parallel' ? strs(config['steps']) : undefined,
      loopStep: type === 'loop' ? str(config['loopStep']) : undefined,
      alternativeStep: onError['type'] === 'alternative' ? str(onError['alternativeStep']) : undefined,
      rollbackSteps: onError['type'] === 'rollback' ? strs(onError['rollbackSteps']) : undefined,
    });
  });
  return views;
}
