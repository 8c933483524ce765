import { otlpTracesUrl, registerModuleHooks, startTelemetry, type Telemetry } from '@agentic-flow/telemetry';

// Tracing starts before the rest of the app is imported: the pg, ioredis and undici
// instrumentations can only patch modules loaded after them. The endpoint is read here, ahead of
// `loadConfig` (which checks it again with everything else), for that reason alone.
const endpoint = process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] || undefined;
let telemetry: Telemetry = { shutdown: async () => {} };
if (endpoint !== undefined) {
  try {
    otlpTracesUrl(endpoint);
  } catch (error) {
    process.stderr.write(`worker: invalid configuration: OTEL_EXPORTER_OTLP_ENDPOINT: ${(error as Error).message}\n`);
    process.exit(1);
  }
  registerModuleHooks();
  telemetry = startTelemetry({ serviceName: 'agentic-flow-worker', otlpEndpoint: endpoint });
}

const { run, exitWith } = await import('./run.js');
run(telemetry).catch((error: unknown) => exitWith(error instanceof Error ? error.message : String(error)));
