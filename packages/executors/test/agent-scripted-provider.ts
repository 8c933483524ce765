import {
  ProviderError,
  ProviderRegistry,
  type ChatProvider,
  type ChatRequest,
  type ChatResponse,
  type LogLevel,
  type StepExecutionInput,
  type StepRuntime,
} from '@agentic-flow/executors';
import type { TokenUsage, ToolCall } from '@agentic-flow/spec';

/**
 * An in-memory ChatProvider for the agent executor's unit tests: it answers with the scripted
 * replies in order and keeps a copy of every request. No network, no timers.
 */

export type ScriptedReply =
  | { text: string; usage?: Partial<TokenUsage>; model?: string; finishReason?: string }
  | { toolCalls: ToolCall[]; text?: string; usage?: Partial<TokenUsage> }
  | { error: ProviderError | Error }
  /** Never answers until the request's signal aborts (then rejects like a real provider). */
  | { hang: true }
  | ((request: ChatRequest) => ScriptedReply | Promise<ScriptedReply>);

export interface ScriptedProvider extends ChatProvider {
  /** Each call's request, messages copied at call time. */
  readonly requests: ChatRequest[];
}

export function scriptedProvider(replies: ScriptedReply[], options: { name?: string; model?: string; kind?: 'openai' | 'anthropic' } = {}): ScriptedProvider {
  const requests: ChatRequest[] = [];
  let next = 0;
  const name = options.name ?? 'fake';
  const defaultModel = options.model ?? 'fake-model';
  return {
    name,
    kind: options.kind ?? 'openai',
    defaultModel,
    baseUrl: 'http://fake.invalid/v1',
    requests,
    async chat(request: ChatRequest): Promise<ChatResponse> {
      requests.push({ ...request, messages: structuredClone(request.messages) });
      let reply = replies[next++];
      if (reply === undefined) throw new Error(`scripted provider: no reply left for call ${next}`);
      while (typeof reply === 'function') reply = await reply(request);
      if ('error' in reply) throw reply.error;
      if ('hang' in reply) {
        return new Promise((_, reject) => {
          request.signal.addEventListener('abort', () => reject(new ProviderError('aborted', { provider: name, attempts: 1, code: 'ABORTED' })), {
            once: true,
          });
        });
      }
      const usage = { inputTokens: 10, outputTokens: 5, ...reply.usage };
      const model = ('model' in reply ? reply.model : undefined) ?? request.model ?? defaultModel;
      if ('toolCalls' in reply) {
        return { message: { content: reply.text ?? null, toolCalls: reply.toolCalls }, finishReason: 'tool_calls', usage, model };
      }
      return { message: { content: reply.text, toolCalls: [] }, finishReason: reply.finishReason ?? 'stop', usage, model };
    },
  };
}

export function registryOf(...providers: ChatProvider[]): ProviderRegistry {
  return new ProviderRegistry(providers, providers[0]!.name);
}

export function call(name: string, args: unknown, id = `call-${name}`): ToolCall {
  return { id, name, arguments: args };
}

export function agentJob(config: Record<string, unknown>, overrides: Partial<StepExecutionInput<never>> = {}): StepExecutionInput<never> {
  return {
    stepRunId: 'run-1',
    stepId: 'agent',
    stepType: 'agent-task',
    executionId: 'exec-1',
    attempt: 1,
    config: config as never,
    context: {
      results: {
        fetch: {
          orders: [
            { id: 1, total: 30 },
            { id: 2, total: 12 },
          ],
        },
        other: { secret: 'hidden' },
      },
      variables: { currency: 'EUR', region: 'eu' },
      input: { customer: 'ada' },
      execution: { id: 'exec-1', workflowId: 'wf', workflowVersion: '1' },
    },
    ...overrides,
  };
}

export function testRuntime(signal: AbortSignal = new AbortController().signal): StepRuntime & { logs: Array<[LogLevel, string]> } {
  const logs: Array<[LogLevel, string]> = [];
  return { signal, logs, log: (level, message) => logs.push([level, message]) };
}

/** A clock that ticks one millisecond per reading, so transcript timestamps are predictable. */
export function tickingClock(start = 1_700_000_000_000): () => number {
  let now = start;
  return () => now++;
}
