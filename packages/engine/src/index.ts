import { hello } from '@agentic-flow/spec';
export const engineHello = hello + '-engine';
