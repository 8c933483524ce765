import { SecretMask } from '@agentic-flow/executors';
import { describe, expect, it } from 'vitest';
import { describeThrown, internalError } from '../src/internal-error.js';

describe('internalError', () => {
  it('is INTERNAL, names what broke and quotes the error without any secret', () => {
    const error = new TypeError('GET https://api.test/x?key=s3cr3t-key failed with token tok-123456 and s3cr3t-key again');
    expect(internalError('executor "http" crashed', error, SecretMask.of(['s3cr3t-key', 'tok-123456']))).toEqual({
      code: 'INTERNAL',
      message: 'executor "http" crashed: TypeError: GET https://api.test/x?key=*** failed with token *** and *** again',
    });
  });

  it('masks before it truncates, so a secret at the limit is not cut in two and shown in part', () => {
    const secret = 'tok-abcdefgh';
    const message = internalError('x', new Error(`${'y'.repeat(980)}${secret}`), SecretMask.of([secret])).message;
    expect(message).not.toContain('tok-abc');
    expect(message.endsWith('***')).toBe(true);
  });

  it('bounds the message', () => {
    expect(internalError('x', new Error('y'.repeat(5000)), SecretMask.none).message).toHaveLength(1000);
  });

  it('describes anything thrown without throwing itself', () => {
    expect(describeThrown('a string')).toBe('a non-error value was thrown (string)');
    const hostile = new Error('x');
    Object.defineProperty(hostile, 'message', {
      get() {
        throw new Error('no');
      },
    });
    expect(describeThrown(hostile)).toBe('an error that cannot be described');
  });
});
