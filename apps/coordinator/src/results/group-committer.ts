/**
 * Group commit: items submitted while a batch is being applied wait and go together into the next
 * batch. Under light load every item is applied at once on its own; under heavy load one
 * transaction carries many items, so throughput grows instead of queueing behind commits.
 */
export class GroupCommitter<T, R> {
  private pending: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly apply: (items: T[]) => Promise<R[]>,
    private readonly maxBatch: number,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          const results = await this.apply(batch.map((entry) => entry.item));
          batch.forEach((entry, i) => entry.resolve(results[i]!));
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error);
            continue;
          }
          // One bad item must not fail its neighbours: apply them one by one to isolate it.
          for (const entry of batch) {
            try {
              const [result] = await this.apply([entry.item]);
              entry.resolve(result!);
            } catch (single) {
              entry.reject(single);
            }
          }
        }
      }
    } finally {
      this.running = false;
    }
  }
}
