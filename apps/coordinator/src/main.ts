import { bootTelemetry } from '@agentic-flow/telemetry';

// Tracing starts before the rest of the app is imported (see bootTelemetry).
const telemetry = bootTelemetry('coordinator');

const { run, exitWith } = await import('./run.js');
run(telemetry).catch((error: unknown) => exitWith(error instanceof Error ? error.message : String(error)));
