import { UsageError } from './usage-error.js';

/** What `agentic-flow run` was asked to do. */
export interface RunOptions {
  /** A definition file to register (idempotently) and run, or a registered workflow's id. */
  target: { kind: 'file'; path: string } | { kind: 'workflow'; id: string };
  variables: Record<string, unknown>;
  /** A registered workflow's version (with a workflow id only: a file names its own). */
  version?: string;
  url: string;
  apiKey?: string;
  namespace?: string;
  /** How long to wait for the outcome before giving up waiting (the execution goes on). */
  timeoutMs: number;
  /** Print the execution as JSON instead of a summary. */
  json: boolean;
}

export const DEFAULT_URL = 'http://127.0.0.1:3000';
export const DEFAULT_TIMEOUT_S = 3600;

const VALUE_OPTIONS = new Set(['--var', '--version', '--url', '--api-key', '--namespace', '--timeout']);

/**
 * Parses `run <file|workflowId> [--var name=value]… [--version v] [--url u] [--api-key k]
 * [--namespace n] [--timeout seconds] [--json]`, with `--url`, `--api-key` and `--namespace`
 * defaulting to `AF_URL`, `AF_API_KEY` and `AF_NAMESPACE`. Throws {@link UsageError} naming what
 * is wrong. `exists` says whether a path is a file (injected: the parse itself touches nothing).
 */
export function parseRunArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, exists: (path: string) => boolean): RunOptions {
  const positional: string[] = [];
  const variables: Record<string, unknown> = {};
  const values = new Map<string, string>();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') {
      json = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (!VALUE_OPTIONS.has(name)) throw new UsageError(`unknown option "${name}"`);
    const value: string | undefined = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    if (name === '--var') {
      const [key, parsed] = parseVariable(value);
      if (Object.hasOwn(variables, key)) throw new UsageError(`--var ${key} is given twice`);
      variables[key] = parsed;
      continue;
    }
    if (values.has(name)) throw new UsageError(`${name} is given twice`);
    values.set(name, value);
  }
  if (positional.length !== 1)
    throw new UsageError(
      positional.length === 0
        ? 'run needs a definition file or a workflow id'
        : `run takes one file or workflow id, got ${positional.length}: ${positional.join(' ')}`,
    );
  const target = targetOf(positional[0]!, exists);
  const version = values.get('--version');
  if (version !== undefined && target.kind === 'file') throw new UsageError('--version goes with a workflow id: a definition file names its own version');
  const url = values.get('--url') ?? env['AF_URL'] ?? DEFAULT_URL;
  if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`--url must be an http(s) URL, got "${url}"`);
  const timeout = values.get('--timeout');
  const timeoutS = timeout === undefined ? DEFAULT_TIMEOUT_S : Number(timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError(`--timeout must be a number of seconds above 0, got "${timeout}"`);
  const apiKey = values.get('--api-key') ?? env['AF_API_KEY'];
  const namespace = values.get('--namespace') ?? env['AF_NAMESPACE'];
  return {
    target,
    variables,
    ...(version === undefined ? {} : { version }),
    url,
    ...(apiKey === undefined || apiKey === '' ? {} : { apiKey }),
    ...(namespace === undefined || namespace === '' ? {} : { namespace }),
    timeoutMs: timeoutS * 1000,
    json,
  };
}

/**
 * `name=value`: the value as JSON when it is JSON (`n=3`, `ok=true`, `tags=["a","b"]`, `s="3"` for
 * the string "3"), else as the text it is (`name=Ada`, `url=https://x`).
 */
export function parseVariable(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--var expects name=value, got "${text}"`);
  const value = text.slice(eq + 1);
  try {
    return [text.slice(0, eq), JSON.parse(value) as unknown];
  } catch {
    return [text.slice(0, eq), value];
  }
}

/**
 * A file when the argument names one, or looks like a path (a directory part, or a .json, .yaml or
 * .yml name) — then it must exist; otherwise a workflow id.
 */
function targetOf(argument: string, exists: (path: string) => boolean): RunOptions['target'] {
  if (exists(argument)) return { kind: 'file', path: argument };
  if (/[\\/]|\.(json|ya?ml)$/i.test(argument)) throw new UsageError(`no such file: ${argument}`);
  return { kind: 'workflow', id: argument };
}
