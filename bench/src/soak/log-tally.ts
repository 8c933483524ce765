/** The apps log pino's level labels; numbers are pino's default, accepted too. */
const COUNTED: Record<string, string> = { warn: 'warn', error: 'error', fatal: 'fatal', '40': 'warn', '50': 'error', '60': 'fatal' };

/** Ids and numbers vary per line; without them, lines that mean the same thing count together. */
function normalize(text: string): string {
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/\d+/g, 'N')
    .slice(0, 160);
}

/** Warn-and-worse lines of every process over a whole run, counted by what they say. */
export class LogTally {
  readonly counts = new Map<string, number>();

  add(source: 'coordinator' | 'worker', line: string): void {
    let entry: { level?: unknown; msg?: unknown; err?: { message?: unknown } } | undefined;
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      // Not pino: a Node.js warning or a crash's stack. Stack frames are part of the line before.
      if (/^\s+at /.test(line) || line.trim() === '') return;
      this.count(`${source} (text): ${normalize(line)}`);
      return;
    }
    const level = COUNTED[String(entry?.level)];
    if (!level) return;
    const detail = typeof entry?.err?.message === 'string' ? `: ${entry.err.message}` : '';
    this.count(`${source} ${level}: ${normalize(`${String(entry?.msg)}${detail}`)}`);
  }

  private count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}
