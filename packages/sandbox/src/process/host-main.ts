import { ExpressionEvaluator } from '../expression-evaluator.js';
import { ScriptSandbox } from '../script-sandbox.js';
import type { HostMessage, HostReply, HostRequest, HostSetup } from './host-protocol.js';

/**
 * A sandbox process: runs the scripts and expressions its parent sends, one at a time, in isolated-vm.
 * If V8 aborts on an allocation pattern isolated-vm cannot contain, only this process dies; the
 * parent (`SandboxProcessPool`) reports the run as crashed and starts another process. It exits when
 * its parent goes away.
 */
let scripts: ScriptSandbox | undefined;
let expressions: ExpressionEvaluator | undefined;
const running = new Map<number, AbortController>();

function send(reply: HostReply): void {
  process.send?.(reply);
}

async function setUp(setup: HostSetup): Promise<void> {
  scripts = new ScriptSandbox({
    modules: setup.modules,
    // One run at a time; a second isolate covers a run that starts while a cancelled one is disposed.
    maxIsolates: 2,
    // Nothing else runs here: no thread hops. A run being cancelled is stopped by killing this process.
    blocking: true,
    // The parent applies the output limits (`finishRun`); these only bound what crosses the pipe.
    maxOutputBytes: 512 * 1024 * 1024,
    ...(setup.maxLogEntries === undefined ? {} : { maxLogEntries: setup.maxLogEntries }),
    ...(setup.maxLogMessageLength === undefined ? {} : { maxLogMessageLength: setup.maxLogMessageLength }),
  });
  expressions = new ExpressionEvaluator({ memoryLimitMb: setup.expressionMemoryLimitMb, poolSize: 1, blocking: true });
  // Warm: the first real run should not pay for an isolate, a realm and a compile.
  await scripts.runRaw({ code: 'return 1', timeoutMs: 5000, memoryLimitMb: setup.warmMemoryLimitMb, globalsJson: '{}' });
  await expressions.evaluateRaw('true', '{}', 5000);
  send({ type: 'ready' });
}

async function run(request: HostRequest): Promise<void> {
  const controller = new AbortController();
  running.set(request.id, controller);
  try {
    if (request.type === 'script') {
      const result = await scripts!.runRaw({ ...request.input, signal: controller.signal });
      send({ type: 'script', id: request.id, result });
    } else {
      const result = await expressions!.evaluateRaw(request.expression, request.scopeJson, request.timeoutMs);
      send({ type: 'expression', id: request.id, result });
    }
  } catch (error) {
    send({ type: 'failed', id: request.id, message: error instanceof Error ? error.message : String(error) });
  } finally {
    running.delete(request.id);
  }
}

process.on('message', (message: HostMessage) => {
  switch (message.type) {
    case 'setup':
      setUp(message.setup).catch((error: unknown) => {
        process.stderr.write(`sandbox process: setup failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      });
      return;
    case 'cancel':
      running.get(message.id)?.abort();
      return;
    default:
      void run(message);
  }
});
// The parent died or closed the channel: nothing is left to serve.
process.on('disconnect', () => process.exit(0));
