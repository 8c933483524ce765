import { describe, expect, it } from 'vitest';
import { positionInStack, splitCompileError, userStack } from '../src/stack-trace.js';

describe('stack-trace helpers', () => {
  const stack =
    'Error: x\n    at helper (module:lodash:1:500)\n    at script.js:4:9\n    at run (sandbox:bootstrap:10:2)\n    at script.js\n    at (<isolated-vm boundary>)';

  it('finds the first frame in the user script', () => {
    expect(positionInStack(stack, 'script.js')).toEqual({ line: 4, column: 9 });
    expect(positionInStack('Error: no frames', 'script.js')).toBeUndefined();
    expect(positionInStack(undefined, 'script.js')).toBeUndefined();
  });

  it('drops internal frames and the wrapper frame', () => {
    expect(userStack(stack, ['sandbox:bootstrap'], 'script.js')).toBe('Error: x\n    at helper (module:lodash:1:500)\n    at script.js:4:9');
  });

  it('splits compile errors and maps positions past the end of the source', () => {
    expect(splitCompileError("Unexpected token ';' [script.js:2:11]", 'script.js', 'a\nb = ;')).toEqual({
      message: "Unexpected token ';'",
      position: { line: 2, column: 11 },
    });
    expect(splitCompileError("Unexpected token ')' [script.js:3:1]", 'script.js', 'f(\n  1,')).toEqual({
      message: 'Unexpected end of input',
      position: { line: 2, column: 5 },
    });
    expect(splitCompileError('Something else', 'script.js', 'x')).toEqual({ message: 'Something else' });
  });
});
