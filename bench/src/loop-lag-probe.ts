import { statSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Loaded into a coordinator by the benchmark (`node --import`): records the event loop's delay and
 * writes the longest delay of the current window, in milliseconds, to the file `BENCH_LOOP_LAG_FILE`
 * every 50 ms. The benchmark empties the file to open a new window. A measuring instrument like the
 * CPU profiler, not part of the product.
 */
const file = process.env['BENCH_LOOP_LAG_FILE'];
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  let windowMax = 0;
  setInterval(() => {
    try {
      if (statSync(file).size === 0) windowMax = 0;
      windowMax = Math.max(windowMax, histogram.max / 1e6);
      histogram.reset();
      writeFileSync(file, `${windowMax.toFixed(1)}\n`);
    } catch {
      // The file is gone: the benchmark is done with this coordinator.
    }
  }, 50).unref();
}
