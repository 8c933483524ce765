import { compileJsonSchema, type JsonValidator } from '../json-schema.js';
import type { AgentTool } from './agent-tool.js';

/** A registered tool with the capability that grants it and its compiled parameter schema. */
export interface RegisteredTool {
  capability: string;
  tool: AgentTool;
  validateArgs: JsonValidator;
}

/** Tool names providers accept (OpenAI's rule, the stricter one). */
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The tools agents may be granted, by capability: a step's `capabilities: ['http']` gives its agent
 * the tools registered under `http` (`http_request`). A capability may grant several tools; a tool
 * name is unique across capabilities, since the model calls tools by name.
 *
 * Registration checks a tool's name and parameter schema and throws on a mistake: registries are
 * built at worker start, where a bad tool must stop the worker rather than fail steps later.
 *
 * @example
 * const tools = new ToolRegistry()
 *   .register('http', createHttpTool())
 *   .register('script', createScriptTool());
 * tools.resolve(['http']); // { ok: true, tools: [http_request] }
 */
export class ToolRegistry {
  private readonly byCapability = new Map<string, RegisteredTool[]>();
  private readonly names = new Set<string>();

  register(capability: string, tool: AgentTool): this {
    if (capability.trim() === '') throw new TypeError('a tool capability must not be empty');
    const { name, description, parameters } = tool.spec;
    if (!TOOL_NAME.test(name)) throw new TypeError(`tool name "${name}" must be 1-64 letters, digits, "_" or "-"`);
    if (this.names.has(name)) throw new TypeError(`tool "${name}" is registered twice`);
    if (typeof description !== 'string' || description.trim() === '') throw new TypeError(`tool "${name}": description must be a non-empty string`);
    if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters) || parameters['type'] !== 'object') {
      throw new TypeError(`tool "${name}": parameters must be a JSON Schema with "type": "object"`);
    }
    const compiled = compileJsonSchema(parameters);
    if (!compiled.ok) throw new TypeError(`tool "${name}": parameters is not a valid JSON Schema: ${compiled.message}`);
    this.names.add(name);
    const list = this.byCapability.get(capability) ?? [];
    list.push({ capability, tool, validateArgs: compiled.validate });
    this.byCapability.set(capability, list);
    return this;
  }

  /** Capability names, sorted: for messages and the worker's ready line. */
  capabilities(): string[] {
    return [...this.byCapability.keys()].sort();
  }

  /** The tools the capabilities grant, in capability order; or the capabilities nothing provides. */
  resolve(capabilities: readonly string[]): { ok: true; tools: RegisteredTool[] } | { ok: false; unknown: string[] } {
    const unknown = capabilities.filter((capability) => !this.byCapability.has(capability));
    if (unknown.length > 0) return { ok: false, unknown: [...new Set(unknown)] };
    const tools = [...new Set(capabilities)].flatMap((capability) => this.byCapability.get(capability) ?? []);
    return { ok: true, tools };
  }

  /** Closes every tool that holds resources. */
  async close(): Promise<void> {
    const tools = [...this.byCapability.values()].flat();
    await Promise.all(tools.map((entry) => entry.tool.close?.()));
  }
}
