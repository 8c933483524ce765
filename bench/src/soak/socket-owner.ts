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

/**
 * Which of `pids` holds the client end of a connection the soak's target accepted: the client's
 * port is the connection's remote port. Lets the report tell whose death made a step run again.
 * Undefined off Linux, or when the owner is not among `pids`.
 */
export async function socketOwner(clientPort: number, serverPort: number, pids: readonly number[]): Promise<number | undefined> {
  const inode = await socketInode(clientPort, serverPort);
  if (inode === undefined) return undefined;
  const wanted = `socket:[${inode}]`;
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) === wanted) return pid;
    }
  }
  return undefined;
}
