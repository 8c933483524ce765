import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STEP_ERROR_CODES } from '@agentic-flow/spec';
import { SANDBOX_ERROR_CODES } from '@agentic-flow/sandbox';
import { STORE_ERROR_CODES } from '@agentic-flow/store';
import { API_ERROR_CODES } from '../apps/coordinator/src/http/api-error.js';

const documented = new Set([...readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8').matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]));

describe('docs/errors.md', () => {
  it.each([
    ['step', STEP_ERROR_CODES],
    ['API', Object.keys(API_ERROR_CODES)],
    ['store', STORE_ERROR_CODES],
  ] as const)('documents every %s error code', (_kind, codes) => {
    expect(codes.filter((code) => !documented.has(code))).toEqual([]);
  });

  it('keeps sandbox codes a subset of the step codes', () => {
    expect(SANDBOX_ERROR_CODES.filter((code) => !(STEP_ERROR_CODES as readonly string[]).includes(code))).toEqual([]);
  });

  it('documents no code that does not exist', () => {
    const known = new Set<string>([...STEP_ERROR_CODES, ...Object.keys(API_ERROR_CODES), ...STORE_ERROR_CODES]);
    expect([...documented].filter((code) => !known.has(code!))).toEqual([]);
  });
});
