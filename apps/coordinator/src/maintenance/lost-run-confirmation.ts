/**
 * A run is lost only if it looks lost on two looks at least `confirmMs` apart. A worker still
 * running a step whose job Redis lost writes its working marker again within one refresh interval,
 * so between two such looks it shows itself; a run lost for real waits `confirmMs` longer.
 * In memory, on the leader: a new leader starts by looking once more, and so does one that was not
 * the leader for a while (`forget`).
 */
export class LostRunConfirmation {
  private since = new Map<string, number>();

  constructor(private readonly confirmMs: number) {}

  /** Of the runs that look lost now, those that have looked lost since at least `confirmMs` ago. Forgets the others. */
  confirm(lookingLost: readonly string[], now: number): Set<string> {
    const since = new Map<string, number>();
    const confirmed = new Set<string>();
    for (const id of lookingLost) {
      const first = this.since.get(id) ?? now;
      since.set(id, first);
      if (now - first >= this.confirmMs) confirmed.add(id);
    }
    this.since = since;
    return confirmed;
  }

  forget(): void {
    this.since.clear();
  }
}
