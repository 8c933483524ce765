import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STEP_ERROR_CODES } from '@agentic-flow/spec';
import { SANDBOX_ERROR_CODES } from '@agentic-flow/sandbox';
import { STORE_ERROR_CODES } from '@agentic-flow/store';
import { API_ERROR_CODES } from '../apps/coordinator/src/http/api-error.js';
import { DOMAIN_ERROR_CODES } from '../apps/coordinator/src/errors/domain-error.js';
import { SDK_ERROR_CODES } from '@agentic-flow/sdk';

const documented = new Set([...readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8').matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]));

describe('docs/errors.md', () => {
  it.each([
    ['step', STEP_ERROR_CODES],
    ['API', Object.keys(API_ERROR_CODES)],
    ['coordinator domain', DOMAIN_ERROR_CODES],
    ['store', STORE_ERROR_CODES],
    ['SDK', SDK_ERROR_CODES],
  ] as const)('documents every %s error code', (_kind, codes) => {
    expect(codes.filter((code) => !documented.has(code))).toEqual([]);
  });

  it('keeps sandbox codes a subset of the step codes', () => {
    expect(SANDBOX_ERROR_CODES.filter((code) => !(STEP_ERROR_CODES as readonly string[]).includes(code))).toEqual([]);
  });

  it('documents every code a source file raises or matches on, including the SDK’s own', () => {
    expect([...codesInSource()].filter((code) => !documented.has(code)).sort()).toEqual([]);
  });

  it('documents no code that does not exist', () => {
    const known = new Set<string>([...STEP_ERROR_CODES, ...Object.keys(API_ERROR_CODES), ...STORE_ERROR_CODES, ...SDK_ERROR_CODES, ...codesInSource()]);
    expect([...documented].filter((code) => !known.has(code!))).toEqual([]);
  });
});

/** Codes written literally where errors are made or told apart: `code: 'X'`, `Error('X'`, `stepError('X'`, `code ?? 'X'`. */
function codesInSource(): Set<string> {
  const root = new URL('..', import.meta.url).pathname;
  const codes = new Set<string>();
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group))) {
      const dir = join(root, group, name, 'src');
      let files: string[];
      try {
        files = readdirSync(dir, { recursive: true })
          .map(String)
          .filter((f) => f.endsWith('.ts'));
      } catch {
        continue;
      }
      for (const file of files) {
        for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/(?:code: |code === |Error\(|stepError\(|code \?\? )'([A-Z][A-Z_]{2,})'/g))
          codes.add(m[1]!);
      }
    }
  }
  return codes;
}
