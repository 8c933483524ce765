/**
 * Items waiting their turn, grouped by key: `take` serves keys in rotation, skipping a key that has
 * as many items in flight as it may, so one key with many items cannot starve the others.
 */
export class FairQueue<T extends { key: string }> {
  private readonly byKey = new Map<string, T[]>();
  /** Keys with waiting items, in the order they get their next turn. */
  private readonly turns: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    const waiting = this.byKey.get(item.key);
    if (waiting) waiting.push(item);
    else {
      this.byKey.set(item.key, [item]);
      this.turns.push(item.key);
    }
    this.count += 1;
  }

  /** Takes `item` out of the queue; false when it was not waiting. */
  remove(item: T): boolean {
    const waiting = this.byKey.get(item.key);
    const index = waiting?.indexOf(item) ?? -1;
    if (index === -1) return false;
    waiting!.splice(index, 1);
    this.count -= 1;
    if (waiting!.length === 0) this.dropKey(item.key);
    return true;
  }

  /** Takes every item of `key` out of the queue. */
  removeKey(key: string): T[] {
    const waiting = this.byKey.get(key) ?? [];
    this.count -= waiting.length;
    this.dropKey(key);
    return waiting;
  }

  /** Takes everything out of the queue. */
  clear(): T[] {
    const all = [...this.byKey.values()].flat();
    this.byKey.clear();
    this.turns.length = 0;
    this.count = 0;
    return all;
  }

  /** The next item whose key is under `maxPerKey` items in flight, keys taken in turn. */
  take(inFlight: (key: string) => number, maxPerKey: number): T | undefined {
    for (let tries = this.turns.length; tries > 0; tries--) {
      const key = this.turns.shift()!;
      if (inFlight(key) >= maxPerKey) {
        this.turns.push(key);
        continue;
      }
      const waiting = this.byKey.get(key)!;
      const item = waiting.shift()!;
      this.count -= 1;
      if (waiting.length > 0) this.turns.push(key);
      else this.byKey.delete(key);
      return item;
    }
    return undefined;
  }

  /** True when every key with waiting items is at `maxPerKey` in flight. */
  blocked(inFlight: (key: string) => number, maxPerKey: number): boolean {
    return this.turns.every((key) => inFlight(key) >= maxPerKey);
  }

  private dropKey(key: string): void {
    this.byKey.delete(key);
    const turn = this.turns.indexOf(key);
    if (turn !== -1) this.turns.splice(turn, 1);
  }
}
