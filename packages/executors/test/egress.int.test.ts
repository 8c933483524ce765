import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HttpConfig, StepError } from '@agentic-flow/spec';
import { createHttpTool } from '../src/agent/tools/http-tool.js';
import type { ToolRunContext } from '../src/agent/tools/agent-tool.js';
import { egressPolicyFrom, type EgressPolicy } from '../src/http/egress-policy.js';
import { createHttpExecutor } from '../src/http/http-executor.js';
import type { StepExecutionInput, StepExecutor, StepOutcome } from '../src/step-executor.js';

// The egress policy over real sockets: local servers on 127.0.0.1 stand in for the services an
// attacker would aim at. Addresses outside this machine (10.0.0.1, 169.254.169.254) are only ever
// denied: the tests check that no socket was even created for them.

interface LocalServer {
  server: Server;
  port: number;
  /** Requests received, by path. */
  hits: string[];
}

async function startServer(handler: (path: string, respond: (status: number, headers?: Record<string, string>) => void) => void): Promise<LocalServer> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req.url ?? '/', (status, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify({ path: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

let target: LocalServer;
let other: LocalServer;
let redirector: LocalServer;
const executors: StepExecutor<HttpConfig>[] = [];

/** Sockets created by `net.connect` anywhere in this process while a test runs. */
let socketsCreated = 0;
const countSocket = (): void => void socketsCreated++;

beforeAll(async () => {
  target = await startServer((_path, respond) => respond(200));
  other = await startServer((_path, respond) => respond(200));
  // Sends each request where its path says: /to/<url-encoded location>.
  redirector = await startServer((path, respond) => {
    if (path.startsWith('/to/')) respond(302, { location: decodeURIComponent(path.slice('/to/'.length)) });
    else respond(200);
  });
  subscribe('net.client.socket', countSocket);
});

afterAll(async () => {
  unsubscribe('net.client.socket', countSocket);
  await Promise.all(executors.map((e) => e.close?.()));
  for (const { server } of [target, other, redirector]) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

beforeEach(() => {
  socketsCreated = 0;
  for (const server of [target, other, redirector]) server.hits.length = 0;
});

const policy = (allow = ''): EgressPolicy => egressPolicyFrom(allow);

function executor(allow = ''): StepExecutor<HttpConfig> {
  const http = createHttpExecutor({ egress: policy(allow) });
  executors.push(http);
  return http;
}

function input(config: Record<string, unknown>): StepExecutionInput<HttpConfig> {
  return {
    stepRunId: 'run-1',
    stepId: 'call',
    stepType: 'http',
    executionId: 'exec-1',
    attempt: 1,
    config: config as unknown as HttpConfig,
    context: { results: {}, variables: {}, input: {}, execution: { id: 'exec-1', workflowId: 'wf', workflowVersion: '1' } },
  };
}

const runtime = () => ({ signal: new AbortController().signal, log: () => {} });

function failure(outcome: StepOutcome): StepError {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.output)}`);
  return outcome.error;
}

async function denied(http: StepExecutor<HttpConfig>, url: string, extra: Record<string, unknown> = {}): Promise<StepError> {
  const error = failure(await http.execute(input({ url, ...extra }), runtime()));
  expect(error.code, error.message).toBe('EGRESS_DENIED');
  return error;
}

describe('egress policy: denied by default', () => {
  it('denies a loopback server without sending it anything, and without retrying', async () => {
    const http = executor();
    const started = Date.now();
    const error = await denied(http, `http://127.0.0.1:${target.port}/secret?token=x`, { retries: 3, retryDelay: 1000 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error.message).toBe(
      `GET http://127.0.0.1:${target.port}/secret: egress to 127.0.0.1:${target.port} denied: loopback address (set EGRESS_ALLOW to open it)`,
    );
    expect(error.details).toEqual({ host: '127.0.0.1', port: target.port, address: '127.0.0.1', reason: 'loopback', attempts: 1 });
    expect(target.hits).toEqual([]);
    // An IP literal is refused before a socket exists: a closed port and an open one look the same.
    expect(socketsCreated).toBe(0);
  });

  it('answers an open and a closed local port alike', async () => {
    const http = executor();
    const open = await denied(http, `http://127.0.0.1:${target.port}/`);
    const closed = await denied(http, 'http://127.0.0.1:1/');
    const withoutPort = (error: StepError) => ({ message: error.message.replaceAll(/:\d+/g, ':PORT'), details: { ...error.details, port: 'PORT' } });
    expect(withoutPort(open)).toEqual(withoutPort(closed));
    expect(socketsCreated).toBe(0);
  });

  it('denies localhost, a name that resolves to loopback addresses, after resolving it and before connecting', async () => {
    const error = await denied(executor(), `http://localhost:${target.port}/`);
    expect(error.message).toMatch(new RegExp(`egress to localhost:${target.port} denied: localhost resolves to (127\\.0\\.0\\.1|::1), a loopback address`));
    expect(error.details).toMatchObject({ host: 'localhost', reason: 'loopback' });
    expect(target.hits).toEqual([]);
  });

  it.each([
    ['[::1]', '::1', 'loopback'],
    ['[::ffff:127.0.0.1]', '::ffff:7f00:1', 'loopback'],
    ['2130706433', '127.0.0.1', 'loopback'],
    ['0177.0.0.1', '127.0.0.1', 'loopback'],
    ['0x7f.1', '127.0.0.1', 'loopback'],
    ['127.1', '127.0.0.1', 'loopback'],
    ['0.0.0.0', '0.0.0.0', 'unspecified'],
    ['[::]', '::', 'unspecified'],
    ['127.0.0.2', '127.0.0.2', 'loopback'],
  ])('denies http://%s:<port> (%s)', async (host, address, reason) => {
    const error = await denied(executor(), `http://${host}:${target.port}/`);
    expect(error.details).toMatchObject({ address, reason, port: target.port });
    expect(target.hits).toEqual([]);
    expect(socketsCreated).toBe(0);
  });

  it.each([
    ['169.254.169.254', 80, 'link-local', /the cloud metadata service/],
    ['10.0.0.1', 80, 'private', /private address \(RFC 1918\)/],
    ['192.168.1.1', 8080, 'private', /private address/],
    ['100.64.0.1', 80, 'shared', /carrier-grade NAT/],
    ['[fd00::1]', 80, 'private', /unique local/],
    ['[fe80::1]', 80, 'link-local', /link-local/],
  ])('denies %s at once, without a connection attempt', async (host, port, reason, message) => {
    const started = Date.now();
    const error = await denied(executor(), `http://${host}:${port}/latest/meta-data/`, { timeout: 30_000 });
    expect(Date.now() - started).toBeLessThan(500);
    expect(error.details).toMatchObject({ reason });
    expect(error.message).toMatch(message);
    expect(socketsCreated).toBe(0);
  });

  it('denies https the same way, before any TLS handshake', async () => {
    const error = await denied(executor(), `https://127.0.0.1:${target.port}/`);
    expect(error.message).toContain(`egress to 127.0.0.1:${target.port} denied`);
    expect(socketsCreated).toBe(0);
  });

  it('refuses non-http schemes before anything is opened', async () => {
    const http = executor('0.0.0.0/0,::/0,localhost');
    for (const url of ['file:///etc/passwd', `ftp://127.0.0.1:${target.port}/x`, 'gopher://127.0.0.1/x', 'data:text/plain,hi']) {
      const error = failure(await http.execute(input({ url }), runtime()));
      expect([url, error.code]).toEqual([url, 'INVALID_CONFIG']);
      expect(error.message).toContain('must use http or https');
    }
    expect(socketsCreated).toBe(0);
  });
});

describe('egress policy: EGRESS_ALLOW', () => {
  it('opens an allowed address on its port, and only there', async () => {
    const http = executor(`127.0.0.1:${target.port}`);
    const outcome = await http.execute(input({ url: `http://127.0.0.1:${target.port}/ok` }), runtime());
    expect(outcome).toMatchObject({ ok: true, output: { path: '/ok' }, response: { status: 200 } });
    const error = await denied(http, `http://127.0.0.1:${other.port}/`);
    expect(error.message).toContain(`egress to 127.0.0.1:${other.port} denied`);
    expect(other.hits).toEqual([]);
  });

  it('opens a CIDR range on every port', async () => {
    const http = executor('127.0.0.0/8');
    for (const server of [target, other]) {
      const outcome = await http.execute(input({ url: `http://127.0.0.1:${server.port}/` }), runtime());
      expect(outcome.ok).toBe(true);
    }
    // Other ranges stay closed.
    await denied(http, 'http://10.0.0.1/');
  });

  it('opens the IPv4-mapped form of an allowed address too', async () => {
    const http = executor(`127.0.0.1:${target.port}`);
    const outcome = await http.execute(input({ url: `http://[::ffff:127.0.0.1]:${target.port}/` }), runtime());
    expect(outcome.ok).toBe(true);
  });

  it('matches a host-name entry on the name in the URL, whatever it resolves to', async () => {
    const http = executor('localhost');
    const outcome = await http.execute(input({ url: `http://localhost:${target.port}/by-name` }), runtime());
    expect(outcome).toMatchObject({ ok: true, response: { status: 200 } });
    // The name entry does not open the address it resolves to.
    await denied(http, `http://127.0.0.1:${target.port}/`);
  });

  it('matches an address entry on the address a name resolves to', async () => {
    const http = executor(`127.0.0.1:${target.port}`);
    const outcome = await http.execute(input({ url: `http://localhost:${target.port}/` }), runtime());
    expect(outcome.ok).toBe(true);
  });
});

describe('egress policy: redirects', () => {
  const via = (to: string) => `http://127.0.0.1:${redirector.port}/to/${encodeURIComponent(to)}`;

  it('follows a redirect to an allowed destination', async () => {
    const http = executor(`127.0.0.1:${redirector.port},127.0.0.1:${target.port}`);
    const outcome = await http.execute(input({ url: via(`http://127.0.0.1:${target.port}/landed`) }), runtime());
    expect(outcome).toMatchObject({ ok: true, output: { path: '/landed' }, response: { status: 200 } });
  });

  it.each([
    ['another local port', (port: number) => `http://127.0.0.1:${port}/`, '127.0.0.1'],
    ['localhost', (port: number) => `http://localhost:${port}/`, 'localhost'],
    ['127.0.0.2', (port: number) => `http://127.0.0.2:${port}/`, '127.0.0.2'],
    ['the metadata service', () => 'http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
  ])('checks every hop: an allowed server redirecting to %s is denied', async (_name, location, host) => {
    const http = executor(`127.0.0.1:${redirector.port}`);
    const error = await denied(http, via(location(other.port)));
    expect(error.message).toContain(`egress to ${host}:`);
    expect(redirector.hits).toHaveLength(1);
    expect(other.hits).toEqual([]);
  });

  it('does not follow a redirect to a non-http scheme', async () => {
    const http = executor(`127.0.0.1:${redirector.port}`);
    const error = failure(await http.execute(input({ url: via('file:///etc/passwd') }), runtime()));
    expect(error.code).toBe('EGRESS_DENIED');
    expect(error.message).toContain('redirect to a URL that is not http or https');
  });
});

describe('egress policy: the agents’ http tool', () => {
  const context = (): ToolRunContext => ({
    step: { stepRunId: 'run-1', stepId: 'agent', executionId: 'exec-1', attempt: 1 },
    context: { results: {}, variables: {}, input: {}, execution: { id: 'exec-1', workflowId: 'wf', workflowVersion: '1' } },
    signal: new AbortController().signal,
    log: () => {},
    remainingMs: () => 10_000,
  });

  it('denies what http steps deny, and gives the model the reason', async () => {
    const tool = createHttpTool({ executorOptions: { egress: policy() } });
    try {
      await expect(tool.run({ url: `http://127.0.0.1:${target.port}/` }, context())).rejects.toThrow(
        `EGRESS_DENIED: GET http://127.0.0.1:${target.port}/: egress to 127.0.0.1:${target.port} denied: loopback address (set EGRESS_ALLOW to open it)`,
      );
      await expect(tool.run({ url: 'http://169.254.169.254/latest/meta-data/' }, context())).rejects.toThrow(/^EGRESS_DENIED: .*metadata/);
      expect(target.hits).toEqual([]);
      expect(socketsCreated).toBe(0);
    } finally {
      await tool.close?.();
    }
  });

  it('is denied by default, when no policy is given', async () => {
    const tool = createHttpTool();
    try {
      await expect(tool.run({ url: `http://localhost:${target.port}/` }, context())).rejects.toThrow(/^EGRESS_DENIED: /);
    } finally {
      await tool.close?.();
    }
  });

  it('reaches what the allow list opens', async () => {
    const tool = createHttpTool({ executorOptions: { egress: policy(`127.0.0.1:${target.port}`) } });
    try {
      await expect(tool.run({ url: `http://127.0.0.1:${target.port}/tool` }, context())).resolves.toMatchObject({ status: 200, body: { path: '/tool' } });
    } finally {
      await tool.close?.();
    }
  });
});
