/**
 * Failed authentications per client address, in this process's memory: past `limit` in a minute
 * the address is refused before its key is even hashed, so a flood of made-up keys cannot keep the
 * scrypt thread pool busy. Kept local (no Redis round trip) because it guards the one path that
 * runs before a caller is known.
 */
export class FailedAttempts {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly maxAddresses = 100_000,
  ) {}

  /** Ms until `address` may try again, or 0. */
  blockedFor(address: string, now: number): number {
    const window = this.windows.get(address);
    if (!window || now - window.start >= this.windowMs) return 0;
    return window.count >= this.limit ? window.start + this.windowMs - now : 0;
  }

  record(address: string, now: number): void {
    const window = this.windows.get(address);
    if (window && now - window.start < this.windowMs) {
      window.count++;
      return;
    }
    if (this.windows.size >= this.maxAddresses) this.prune(now);
    this.windows.set(address, { start: now, count: 1 });
  }

  private prune(now: number): void {
    for (const [address, window] of this.windows) if (now - window.start >= this.windowMs) this.windows.delete(address);
    // Still full: a spread-out flood; forget the oldest rather than grow without bound.
    while (this.windows.size >= this.maxAddresses) this.windows.delete(this.windows.keys().next().value!);
  }
}
