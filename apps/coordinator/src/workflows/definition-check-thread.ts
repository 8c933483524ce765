import { parentPort } from 'node:worker_threads';
import { checkForRegistration, encodeCheck, type DefinitionCaps } from './definition-check.js';

/** The worker thread of `DefinitionChecker`: checks one definition per message. */
export interface CheckRequest {
  id: number;
  input: unknown;
  caps?: DefinitionCaps;
}

parentPort?.on('message', (request: CheckRequest) => {
  try {
    parentPort!.postMessage({ id: request.id, check: encodeCheck(checkForRegistration(request.input, request.caps)) });
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
