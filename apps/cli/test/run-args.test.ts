import { describe, expect, it } from 'vitest';
import { parseRunArgs, parseVariable } from '../src/run-args.js';

const files = new Set(['wf.yaml', 'defs/order']);
const parse = (argv: string[], env: Record<string, string> = {}) => parseRunArgs(argv, env, (path) => files.has(path));

describe('parseRunArgs', () => {
  it('takes an existing file, or else a workflow id', () => {
    expect(parse(['wf.yaml']).target).toEqual({ kind: 'file', path: 'wf.yaml' });
    expect(parse(['defs/order']).target).toEqual({ kind: 'file', path: 'defs/order' });
    expect(parse(['orders']).target).toEqual({ kind: 'workflow', id: 'orders' });
  });

  it('says a path-like argument that names no file is missing, rather than taking it for a workflow id', () => {
    for (const arg of ['missing.yaml', 'missing.json', './missing', 'dir/missing']) expect(() => parse([arg]), arg).toThrow(`no such file: ${arg}`);
  });

  it('collects --var name=value, as JSON when it is JSON and as text otherwise, in both option spellings', () => {
    const { variables } = parse([
      'wf.yaml',
      '--var',
      'n=3',
      '--var=name=Ada',
      '--var',
      'ok=true',
      '--var',
      's="3"',
      '--var',
      'url=https://x/?a=b',
      '--var',
      'tags=["a"]',
      '--var',
      'empty=',
    ]);
    expect(variables).toEqual({ n: 3, name: 'Ada', ok: true, s: '3', url: 'https://x/?a=b', tags: ['a'], empty: '' });
  });

  it('defaults the coordinator, key and namespace from the environment; options win', () => {
    expect(parse(['orders'])).toEqual({
      target: { kind: 'workflow', id: 'orders' },
      variables: {},
      url: 'http://127.0.0.1:3000',
      timeoutMs: 3_600_000,
      json: false,
    });
    const env = { AF_URL: 'http://cluster:3000', AF_API_KEY: 'afk_env', AF_NAMESPACE: 'team' };
    expect(parse(['orders'], env)).toMatchObject({ url: 'http://cluster:3000', apiKey: 'afk_env', namespace: 'team' });
    expect(
      parse(['orders', '--url', 'https://other', '--api-key', 'afk_flag', '--namespace', 'b', '--version', '2', '--timeout', '1.5', '--json'], env),
    ).toMatchObject({
      url: 'https://other',
      apiKey: 'afk_flag',
      namespace: 'b',
      version: '2',
      timeoutMs: 1500,
      json: true,
    });
  });

  it('refuses a wrong command line, saying what is wrong', () => {
    const cases: [string[], string][] = [
      [[], 'run needs a definition file or a workflow id'],
      [['a', 'b'], 'run takes one file or workflow id, got 2: a b'],
      [['orders', '--bogus'], 'unknown option "--bogus"'],
      [['orders', '--var'], '--var needs a value'],
      [['orders', '--var', 'novalue'], '--var expects name=value, got "novalue"'],
      [['orders', '--var', '=1'], '--var expects name=value, got "=1"'],
      [['orders', '--var', 'x=1', '--var', 'x=2'], '--var x is given twice'],
      [['orders', '--url', 'a', '--url', 'b'], '--url is given twice'],
      [['orders', '--url', 'ftp://x'], '--url must be an http(s) URL, got "ftp://x"'],
      [['orders', '--timeout', '0'], '--timeout must be a number of seconds above 0, got "0"'],
      [['orders', '--timeout', 'soon'], '--timeout must be a number of seconds above 0, got "soon"'],
      [['wf.yaml', '--version', '2'], '--version goes with a workflow id: a definition file names its own version'],
    ];
    for (const [argv, message] of cases) expect(() => parse(argv), argv.join(' ')).toThrow(message);
  });
});

describe('parseVariable', () => {
  it('splits at the first =', () => {
    expect(parseVariable('query=a=b')).toEqual(['query', 'a=b']);
  });
});
