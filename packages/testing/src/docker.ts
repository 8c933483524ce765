import { existsSync } from 'node:fs';

const PROBE_TIMEOUT_MS = 2_000;
let probe: Promise<boolean> | undefined;

/**
 * Whether a Docker engine answers, so testcontainers can start containers. Checked once per
 * process: quick `false` when there is no `DOCKER_HOST` and no `/var/run/docker.sock`, else
 * testcontainers' runtime client must resolve within 2 s (it would otherwise keep trying).
 */
export function dockerAvailable(): Promise<boolean> {
  probe ??= detect();
  return probe;
}

async function detect(): Promise<boolean> {
  if (!process.env['DOCKER_HOST'] && !existsSync('/var/run/docker.sock')) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
    timer.unref();
  });
  const client = import('testcontainers')
    .then(({ getContainerRuntimeClient }) => getContainerRuntimeClient())
    .then(
      () => true,
      () => false,
    );
  try {
    return await Promise.race([client, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
