import { readFile, readdir, readlink } from 'node:fs/promises';

/** The inode of the TCP socket whose local port is `localPort` and remote port `remotePort` (Linux /proc). */
async function socketInode(localPort: number, remotePort: number): Promise<string | undefined> {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const local = parseInt(fields[1]!.split(':')[1]!, 16);
      const remote = parseInt(fields[2]!.split(':')[1]!, 16);
      if (local === localPort && remote === remotePort) return fields[9];
    }
  }
  return undefined;
}

/** The pids of running processes whose command line contains `marker` (e.g. the worker's entry point). */
async function processesRunning(marker: string): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Which process whose command line contains `marker` holds the client end of a connection the
 * soak's target accepted (the client's port is the connection's remote port). Looked up among all
 * such processes, not only those the supervisor knows ready: a worker takes jobs a moment before it
 * says it is ready. Lets the report tell whose death made a step run again. Undefined off Linux.
 */
export async function socketOwner(clientPort: number, serverPort: number, marker: string): Promise<number | undefined> {
  const inode = await socketInode(clientPort, serverPort);
  if (inode === undefined) return undefined;
  const wanted = `socket:[${inode}]`;
  for (const pid of await processesRunning(marker)) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) === wanted) return pid;
    }
  }
  return undefined;
}
