import { createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { ScopeContextManager } from '@agentic-flow/telemetry';

const KEY = createContextKey('test value');
const withValue = (value: string) => ROOT_CONTEXT.setValue(KEY, value);
const valueIn = (manager: ScopeContextManager) => manager.active().getValue(KEY);

describe('ScopeContextManager', () => {
  it('makes a context active for the synchronous part of `with`, nested scopes included, and restores the one before', () => {
    const manager = new ScopeContextManager();
    expect(manager.active()).toBe(ROOT_CONTEXT);
    const seen = manager.with(withValue('outer'), () => {
      const inner = manager.with(withValue('inner'), () => valueIn(manager));
      return [inner, valueIn(manager)];
    });
    expect(seen).toEqual(['inner', 'outer']);
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('restores the context before when the function throws', () => {
    const manager = new ScopeContextManager();
    expect(() =>
      manager.with(withValue('a'), () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('passes `this` and the arguments through, and returns what the function returns (a promise as it is)', async () => {
    const manager = new ScopeContextManager();
    const target = {
      factor: 3,
      times(this: { factor: number }, n: number) {
        return this.factor * n;
      },
    };
    expect(manager.with(withValue('x'), target.times, target, 7)).toBe(21);
    await expect(manager.with(withValue('x'), async () => 'later')).resolves.toBe('later');
  });

  it('does not carry a context past an await: what runs after it sees the context of whoever resumed it', async () => {
    const manager = new ScopeContextManager();
    let afterAwait: unknown = 'not run';
    const running = manager.with(withValue('scoped'), async () => {
      expect(valueIn(manager)).toBe('scoped');
      await Promise.resolve();
      afterAwait = valueIn(manager);
    });
    await running;
    expect(afterAwait).toBeUndefined();
  });

  it('binds a function to a context (a callback runs in it), and leaves other targets as they are', () => {
    const manager = new ScopeContextManager();
    const bound = manager.bind(withValue('bound'), function (this: unknown, suffix: string) {
      return `${String(valueIn(manager))}${suffix}`;
    });
    expect(bound('!')).toBe('bound!');
    expect(manager.active()).toBe(ROOT_CONTEXT);
    const object = { a: 1 };
    expect(manager.bind(withValue('x'), object)).toBe(object);
  });

  it('forgets the active context when disabled', () => {
    const manager = new ScopeContextManager();
    manager.with(withValue('a'), () => {
      manager.disable();
      expect(manager.active()).toBe(ROOT_CONTEXT);
    });
  });
});
