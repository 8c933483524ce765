import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LogLevel } from '../../step-executor.js';
import type { AgentTool } from './agent-tool.js';
import { ToolRegistry } from './tool-registry.js';

/**
 * What an operator's tool module default-exports (one of these, or an array of them).
 *
 * @example
 * // /opt/tools/weather.mjs
 * export default {
 *   name: 'get_weather',
 *   description: 'Current weather for a city',
 *   parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
 *   async run({ city }, { signal }) {
 *     const response = await fetch(`https://wttr.in/${encodeURIComponent(city)}?format=j1`, { signal });
 *     return await response.json();
 *   },
 * };
 */
export interface ToolModuleExport {
  name: string;
  description: string;
  /** JSON Schema of the arguments, `type: 'object'`. */
  parameters: Record<string, unknown>;
  /** The capability steps name to get this tool. Default: `name`. */
  capability?: string;
  /**
   * `idempotencyKey`: this call's key (see `ToolCallKeys`), the same when a re-run of the step makes
   * the same calls; a tool with side effects sends it (e.g. as the `Idempotency-Key` header).
   */
  run(
    args: Record<string, unknown>,
    context: { signal: AbortSignal; log(level: LogLevel, message: string): void; idempotencyKey?: string | undefined },
  ): unknown;
}

/** A tool loaded from a module, with the capability it is granted by. */
export interface LoadedTool {
  capability: string;
  tool: AgentTool;
  /** The module it came from, for the worker's ready line. */
  source: string;
}

/**
 * Imports each module (absolute paths of ES modules) and checks its default export. Throws an
 * `Error` naming the module and the problem: tool modules load at worker start, and a bad one must
 * stop the worker there.
 */
export async function loadToolModules(paths: readonly string[]): Promise<LoadedTool[]> {
  const loaded: LoadedTool[] = [];
  for (const path of paths) {
    if (!isAbsolute(path)) throw new Error(`tool module "${path}": must be an absolute path`);
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`tool module ${path}: cannot be loaded: ${(error as Error).message}`);
    }
    const exported = module['default'];
    if (exported === undefined) throw new Error(`tool module ${path}: has no default export (export a tool or an array of tools)`);
    const list = Array.isArray(exported) ? (exported as unknown[]) : [exported];
    if (list.length === 0) throw new Error(`tool module ${path}: exports an empty array`);
    list.forEach((item, index) => loaded.push({ ...toolFrom(item, `tool module ${path}${Array.isArray(exported) ? ` [${index}]` : ''}`), source: path }));
  }
  // Registering into a scratch registry checks names, duplicates and parameter schemas now.
  const scratch = new ToolRegistry();
  for (const entry of loaded) {
    try {
      scratch.register(entry.capability, entry.tool);
    } catch (error) {
      throw new Error(`tool module ${entry.source}: ${(error as Error).message}`);
    }
  }
  return loaded;
}

function toolFrom(value: unknown, where: string): { capability: string; tool: AgentTool } {
  if (typeof value !== 'object' || value === null) throw new Error(`${where}: the export is not a tool object`);
  const candidate = value as Partial<ToolModuleExport>;
  const problems: string[] = [];
  if (typeof candidate.name !== 'string' || candidate.name === '') problems.push('"name" must be a non-empty string');
  if (typeof candidate.description !== 'string' || candidate.description === '') problems.push('"description" must be a non-empty string');
  if (typeof candidate.parameters !== 'object' || candidate.parameters === null) problems.push('"parameters" must be a JSON Schema object');
  if (typeof candidate.run !== 'function') problems.push('"run" must be a function');
  if (candidate.capability !== undefined && (typeof candidate.capability !== 'string' || candidate.capability === ''))
    problems.push('"capability" must be a non-empty string');
  if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`);
  const tool = candidate as ToolModuleExport;
  return {
    capability: tool.capability ?? tool.name,
    tool: {
      spec: { name: tool.name, description: tool.description, parameters: tool.parameters },
      // Operators' tools get the documented context only; `this` stays their object.
      run: (args, context) => tool.run(args, { signal: context.signal, log: context.log, idempotencyKey: context.idempotencyKey }),
    },
  };
}
