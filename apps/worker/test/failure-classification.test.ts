import { HTTP_EXECUTOR_TRAITS, type ExecutorTraits } from '@agentic-flow/executors';
import { STEP_ERROR_CODES, stepError, type StepErrorCode } from '@agentic-flow/spec';
import { describe, expect, it } from 'vitest';
import { circuitVerdict, isRetryableFailure } from '../src/failure-classification.js';

const failed = (code: StepErrorCode, details?: Record<string, unknown>) => ({ ok: false as const, error: stepError(code, 'x', details) });

describe('isRetryableFailure', () => {
  it('retries every failure except those of the step itself, and a step quarantined as POISON', () => {
    const never = [
      'INVALID_CONFIG',
      'TEMPLATE',
      'UNSUPPORTED_STEP_TYPE',
      'MODULE_NOT_ALLOWED',
      'OUTPUT_NOT_SERIALIZABLE',
      'OUTPUT_TOO_LARGE',
      'AGENT_BUDGET',
      'POISON',
      'EGRESS_DENIED',
    ];
    for (const code of STEP_ERROR_CODES) expect([code, isRetryableFailure(stepError(code, 'x'))]).toEqual([code, !never.includes(code)]);
    // A crashed sandbox process may be bad luck (a neighbour's memory, a kill): retried until quarantined.
    expect(isRetryableFailure(stepError('SANDBOX_CRASHED', 'x'))).toBe(true);
  });
});

describe('circuitVerdict', () => {
  // A type with no rules of its own, as scripts: only the rules for every type apply.
  const plain: Pick<ExecutorTraits, 'circuitVerdict'> = {};

  it('counts network errors, timeouts and crashes as failures of the target, whatever the type', () => {
    expect(circuitVerdict(failed('NETWORK'), plain)).toBe('failure');
    expect(circuitVerdict(failed('TIMEOUT'), plain)).toBe('failure');
    expect(circuitVerdict(failed('INTERNAL'), plain)).toBe('failure');
  });

  it('counts a success, and an answer that blames the request (a script error), as a success', () => {
    expect(circuitVerdict({ ok: true, output: 1 }, plain)).toBe('success');
    expect(circuitVerdict(failed('SCRIPT_ERROR'), plain)).toBe('success');
    expect(circuitVerdict(failed('OUTPUT_NOT_SERIALIZABLE'), plain)).toBe('success');
  });

  it("leaves a failure of the type's own codes to its executor, and a code it does not judge to the rules for every type", () => {
    const judged: string[] = [];
    const executor: Pick<ExecutorTraits, 'circuitVerdict'> = {
      circuitVerdict: (error) => {
        judged.push(error.code);
        return error.code === 'HTTP_STATUS' ? 'failure' : undefined;
      },
    };
    expect(circuitVerdict(failed('HTTP_STATUS', { status: 503 }), executor)).toBe('failure');
    expect(circuitVerdict(failed('SCRIPT_ERROR'), executor)).toBe('success');
    // The rules for every type come first: the executor is not asked about them.
    expect(circuitVerdict(failed('NETWORK'), executor)).toBe('failure');
    expect(circuitVerdict(failed('EGRESS_DENIED'), executor)).toBe('ignore');
    expect(circuitVerdict({ ok: true, output: 1 }, executor)).toBe('success');
    expect(judged).toEqual(['HTTP_STATUS', 'SCRIPT_ERROR']);
  });

  it('ignores outcomes that never reached the target, and cancelled steps, whatever the executor says', () => {
    for (const code of ['INVALID_CONFIG', 'TEMPLATE', 'CANCELLED', 'CIRCUIT_OPEN', 'UNSUPPORTED_STEP_TYPE', 'MODULE_NOT_ALLOWED', 'EGRESS_DENIED'] as const) {
      expect([code, circuitVerdict(failed(code), HTTP_EXECUTOR_TRAITS)]).toEqual([code, 'ignore']);
    }
    expect(circuitVerdict(failed('NETWORK'), HTTP_EXECUTOR_TRAITS, true)).toBe('ignore');
    expect(circuitVerdict(failed('HTTP_STATUS', { status: 500 }), HTTP_EXECUTOR_TRAITS, true)).toBe('ignore');
    expect(circuitVerdict({ ok: true, output: 1 }, plain, true)).toBe('ignore');
  });
});
