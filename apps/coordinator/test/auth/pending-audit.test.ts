import { describe, expect, it } from 'vitest';
import { PendingAudit } from '../../src/auth/pending-audit.js';

const base = {
  actor: 'k1',
  role: 'editor',
  namespace: 'default',
  action: 'workflow.register',
  target: 'POST /v1/workflows',
  requestId: 'r1',
  clientAddress: '127.0.0.1',
};

describe('PendingAudit', () => {
  it('is written when the answer goes out unless a transaction confirmed it', () => {
    const unconfirmed = new PendingAudit(base);
    expect(unconfirmed.remaining(404)).toMatchObject({ ...base, outcome: 'failed', status: 404 });
    expect(unconfirmed.remaining(204)).toMatchObject({ outcome: 'ok', status: 204 });
    const confirmed = new PendingAudit(base);
    expect(confirmed.take(201)).toMatchObject({ ...base, outcome: 'ok', status: 201 });
    confirmed.confirm();
    expect(confirmed.remaining(201)).toBeUndefined();
  });
});
