import { describe, expect, it } from 'vitest';
import { scriptVariableWrites, type VariableWrites } from '@agentic-flow/spec';

const names = (writes: VariableWrites): string[] | 'any' => (writes.any ? 'any' : [...writes.names].sort());

describe('scriptVariableWrites', () => {
  it('lists the names setVariable calls spell out', () => {
    expect(names(scriptVariableWrites('setVariable("count", 1);\nsetVariable(\'total\', 2);\nsetVariable(`when`, 3);\nreturn 1;'))).toEqual([
      'count',
      'total',
      'when',
    ]);
    expect(names(scriptVariableWrites('if (x) { await null; setVariable("late", 1); }'))).toEqual(['late']);
    expect(names(scriptVariableWrites('return 1;'))).toEqual([]);
  });

  it('does not take names or comments for calls', () => {
    expect(names(scriptVariableWrites('// setVariable(name, 1)\nconst o = { setVariable: 1 }; return o.setVariable;'))).toEqual([]);
  });

  it('may write any variable when the name is computed, the function escapes, or the code cannot be read', () => {
    for (const code of [
      'setVariable(name, 1);',
      'setVariable(`n${i}`, 1);',
      'setVariable();',
      'const set = setVariable; set("x", 1);',
      '[1].forEach(() => setVariable)',
      '({ setVariable }).setVariable("x", 1);',
      'eval("setVariable(\'x\', 1)");',
      'setVariable("x", 1',
    ]) {
      expect(names(scriptVariableWrites(code)), code).toBe('any');
    }
  });
});
