import { registerModuleHooks } from './module-hooks.js';
import { otlpTracesUrl } from './otlp-trace-exporter.js';
import { startTelemetry, type Telemetry } from './start-telemetry.js';

/**
 * An app's first statement: with `OTEL_EXPORTER_OTLP_ENDPOINT` set, checks it and the sampler
 * variables, registers the module hooks and starts tracing — all before the app's own modules are
 * imported, since the pg, ioredis and undici instrumentations can only patch modules loaded after
 * them (the app's config loading checks the endpoint again with everything else). A bad value ends
 * the process with exit code 1 and a line naming it, as the config check would.
 */
export function bootTelemetry(app: 'coordinator' | 'worker'): Telemetry {
  const endpoint = process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] || undefined;
  if (endpoint === undefined) return { shutdown: async () => {} };
  try {
    otlpTracesUrl(endpoint);
  } catch (error) {
    return exit(app, `OTEL_EXPORTER_OTLP_ENDPOINT: ${(error as Error).message}`);
  }
  registerModuleHooks();
  try {
    return startTelemetry({ serviceName: `agentic-flow-${app}`, otlpEndpoint: endpoint });
  } catch (error) {
    return exit(app, (error as Error).message);
  }
}

function exit(app: string, message: string): never {
  process.stderr.write(`${app}: invalid configuration: ${message}\n`);
  process.exit(1);
}
