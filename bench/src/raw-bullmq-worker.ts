import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * The other end of the raw BullMQ round trip: a no-op worker in its own process, as our step
 * workers are. Arguments: redis URL, key prefix, queue name. Prints `ready` once consuming.
 */
const [redisUrl, prefix, queue] = process.argv.slice(2) as [string, string, string];
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const worker = new Worker(queue, async () => 1, { connection, prefix, concurrency: 1 });
await worker.waitUntilReady();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void worker.close().then(() => {
    connection.disconnect();
    process.exit(0);
  });
});
