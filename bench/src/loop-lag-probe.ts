import { writeFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

/**
 * Loaded into a coordinator by the benchmark (`node --import`): records the event loop's delay and
 * writes the longest delay of the current window, in milliseconds, to the file `BENCH_LOOP_LAG_FILE`
 * every 100 ms. SIGUSR2 opens a new window. The file is written asynchronously (on libuv's threads),
 * so the probe never blocks the loop it measures. A measuring instrument like the CPU profiler, not
 * part of the product.
 */
const file = process.env['BENCH_LOOP_LAG_FILE'];
// Worker threads load the same `--import` (the coordinator validates definitions on one, blocking
// its own loop on purpose): only the main thread's loop is the one that answers requests.
if (file && isMainThread) {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  let writing = false;
  // The histogram is the window: reset only when a new one opens, never between reports (a reset
  // racing the histogram's own timer would drop the very delay it was about to record).
  process.on('SIGUSR2', () => histogram.reset());
  setInterval(() => {
    if (writing) return;
    writing = true;
    writeFile(file, `${(histogram.max / 1e6).toFixed(1)}\n`)
      .catch(() => undefined)
      .finally(() => (writing = false));
  }, 100).unref();
}
