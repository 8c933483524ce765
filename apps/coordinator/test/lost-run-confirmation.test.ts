import { describe, expect, it } from 'vitest';
import { LostRunConfirmation } from '../src/maintenance/lost-run-confirmation.js';

describe('LostRunConfirmation', () => {
  it('confirms a run only once it has looked lost for the whole confirmation time', () => {
    const lost = new LostRunConfirmation(6_000);
    expect([...lost.confirm(['a', 'b'], 0)]).toEqual([]);
    expect([...lost.confirm(['a', 'b'], 5_999)]).toEqual([]);
    expect([...lost.confirm(['a', 'b'], 6_000)].sort()).toEqual(['a', 'b']);
  });

  it('starts over for a run that looked alive on a pass in between', () => {
    const lost = new LostRunConfirmation(6_000);
    lost.confirm(['a', 'b'], 0);
    lost.confirm(['b'], 3_000); // a's worker marked it working again
    expect([...lost.confirm(['a', 'b'], 6_000)]).toEqual(['b']);
    expect([...lost.confirm(['a'], 12_000)]).toEqual(['a']);
  });

  it('forgets everything when told (leadership lost), so a new look is needed', () => {
    const lost = new LostRunConfirmation(6_000);
    lost.confirm(['a'], 0);
    lost.forget();
    expect([...lost.confirm(['a'], 60_000)]).toEqual([]);
    expect([...lost.confirm(['a'], 66_000)]).toEqual(['a']);
  });
});
