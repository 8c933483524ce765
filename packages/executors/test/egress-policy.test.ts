import { isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { classifyAddress } from '../src/http/address-class.js';
import { parseEgressAllowList, type EgressAllowEntry } from '../src/http/egress-allow-list.js';
import { EgressDeniedError, createEgressPolicy } from '../src/http/egress-policy.js';
import { formatIp, parseIp, parseIpRange } from '../src/http/ip-address.js';

// The pure half of the egress policy: address parsing, the denied ranges, the allow list. No
// socket is opened here; the connector's tests (egress.int.test.ts) use real local servers.

const kindOf = (text: string): string => {
  const address = parseIp(text);
  if (address === undefined) throw new Error(`test bug: ${text} does not parse`);
  return classifyAddress(address).kind;
};

function allowList(text: string): EgressAllowEntry[] {
  const parsed = parseEgressAllowList(text);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.entries;
}

describe('ip addresses', () => {
  it('parses IPv4 in dotted-decimal form only', () => {
    expect(parseIp('127.0.0.1')).toEqual({ family: 4, value: 0x7f000001n });
    expect(parseIp('255.255.255.255')).toEqual({ family: 4, value: 0xffffffffn });
    // Numeric-host tricks never come out of a resolver or a parsed URL: they are not addresses here.
    for (const text of ['2130706433', '0177.0.0.1', '0x7f.0.0.1', '0x7f.1', '127.1', '127.0.0.256', '1.2.3', '1.2.3.4.5', '', '01.2.3.4']) {
      expect([text, parseIp(text)]).toEqual([text, undefined]);
    }
  });

  it('parses every IPv6 form to the same number', () => {
    const forms = ['::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:1', '::FFFF:7F00:0001', '0000:0000:0000:0000:0000:ffff:127.0.0.1'];
    const values = forms.map((text) => parseIp(text)?.value);
    expect(new Set(values)).toEqual(new Set([0xffff7f000001n]));
    expect(parseIp('::')).toEqual({ family: 6, value: 0n });
    expect(parseIp('::1')).toEqual({ family: 6, value: 1n });
    expect(parseIp('fe80::1%eth0')).toEqual({ family: 6, value: (0xfe80n << 112n) | 1n });
    expect(parseIp('1:2:3:4:5:6:7:8')?.value).toBe(0x00010002000300040005000600070008n);
  });

  it('refuses malformed IPv6 text, agreeing with node:net', () => {
    for (const text of [
      ':::',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '12345::',
      'g::1',
      '::1%',
      '::ffff:1.2.3',
      '1:2:3:4:5:6:7::8:9',
      ':1::',
      '1::2:',
    ]) {
      expect([text, parseIp(text)]).toEqual([text, undefined]);
      expect([text, isIPv6(text)]).toEqual([text, false]);
    }
    for (const text of ['::', '1::', '::1:2:3:4:5:6:7', '1:2:3:4:5:6::', '::1.2.3.4', '1:2:3:4:5:6:1.2.3.4', '1::1.2.3.4']) {
      expect([text, parseIp(text) !== undefined]).toEqual([text, isIPv6(text)]);
    }
  });

  it('formats addresses canonically (RFC 5952)', () => {
    expect(formatIp(parseIp('0:0:0:0:0:ffff:7f00:1')!)).toBe('::ffff:7f00:1');
    expect(formatIp(parseIp('2001:db8:0:0:1:0:0:1')!)).toBe('2001:db8::1:0:0:1');
    expect(formatIp(parseIp('1:0:2:3:4:5:6:7')!)).toBe('1:0:2:3:4:5:6:7');
    expect(formatIp(parseIp('::')!)).toBe('::');
    expect(formatIp(parseIp('10.1.2.3')!)).toBe('10.1.2.3');
  });

  it('parses CIDR ranges and names what is wrong with a bad one', () => {
    expect(parseIpRange('10.0.0.0/8')).toEqual({ family: 4, base: 0x0a000000n, prefix: 8 });
    expect(parseIpRange('fc00::/7')).toEqual({ family: 6, base: 0xfcn << 120n, prefix: 7 });
    expect(parseIpRange('0.0.0.0/0')).toEqual({ family: 4, base: 0n, prefix: 0 });
    expect(parseIpRange('10.0.0.1/8')).toEqual({ error: expect.stringContaining('did you mean 10.0.0.0/8?') });
    expect(parseIpRange('10.0.0.0/33')).toEqual({ error: expect.stringContaining('from 0 to 32') });
    expect(parseIpRange('::/129')).toEqual({ error: expect.stringContaining('from 0 to 128') });
    expect(parseIpRange('10.0.0.0/x')).toHaveProperty('error');
  });
});

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['127.53.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fd00:ec2::254', 'private'],
    ['fec0::1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['::127.0.0.1', 'reserved'],
  ])('denies %s (%s)', (address, kind) => {
    expect(kindOf(address)).toBe(kind);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.255.255',
    '223.255.255.255',
    '11.0.0.0',
    '2606:4700::1111',
    '2001:4860:4860::8888',
    '64:ff9b::808:808',
  ])('allows the public address %s', (address) => {
    expect(kindOf(address)).toBe('public');
  });

  it('judges IPv4-mapped, NAT64 and 6to4 addresses by the IPv4 address they lead to', () => {
    expect(kindOf('::ffff:127.0.0.1')).toBe('loopback');
    expect(kindOf('::ffff:7f00:1')).toBe('loopback');
    expect(kindOf('::ffff:10.1.2.3')).toBe('private');
    expect(kindOf('::ffff:169.254.169.254')).toBe('link-local');
    expect(kindOf('::ffff:0.0.0.0')).toBe('unspecified');
    expect(kindOf('::ffff:8.8.8.8')).toBe('public');
    expect(kindOf('64:ff9b::7f00:1')).toBe('loopback');
    expect(kindOf('64:ff9b::a9fe:a9fe')).toBe('link-local');
    expect(kindOf('2002:7f00:1::')).toBe('loopback');
    expect(kindOf('2002:c0a8:101::1')).toBe('private');
    expect(kindOf('2002:808:808::1')).toBe('public');
  });

  it('names the metadata service', () => {
    expect(classifyAddress(parseIp('169.254.169.254')!)).toEqual({ kind: 'link-local', description: expect.stringContaining('metadata') });
  });
});

describe('parseEgressAllowList', () => {
  it('reads host names, addresses and ranges, each with an optional port', () => {
    const entries = allowList(' 127.0.0.1:8080 , 10.0.0.0/8,localhost, internal.svc:443,[::1]:3000,fd00::/8,[fd00::/8]:9000,::1,Example.COM., ,');
    expect(entries.map((e) => [e.kind, e.kind === 'host' ? e.host : e.text, e.port])).toEqual([
      ['range', '127.0.0.1:8080', 8080],
      ['range', '10.0.0.0/8', undefined],
      ['host', 'localhost', undefined],
      ['host', 'internal.svc', 443],
      ['range', '[::1]:3000', 3000],
      ['range', 'fd00::/8', undefined],
      ['range', '[fd00::/8]:9000', 9000],
      ['range', '::1', undefined],
      ['host', 'example.com', undefined],
    ]);
    expect(parseEgressAllowList('')).toEqual({ ok: true, entries: [] });
  });

  it('refuses bad entries, naming each', () => {
    const cases: [string, RegExp][] = [
      ['10.0.0.300', /entry "10\.0\.0\.300": .*not an IP address/],
      ['10.0.0.1/8', /entry "10\.0\.0\.1\/8": .*did you mean 10\.0\.0\.0\/8/],
      ['10.0.0.0/40', /from 0 to 32/],
      ['127.0.0.1:0', /port must be a number from 1 to 65535/],
      ['127.0.0.1:99999', /port must be/],
      ['localhost:http', /port must be/],
      ['2130706433', /not an IP address \(write IPv4 addresses as four decimal numbers/],
      ['0x7f.1', /not an IP address in dotted-decimal form/],
      ['0177.0.0.1', /not an IP address/],
      ['127.1', /not an IP address/],
      ['http://example.com', /is a URL/],
      ['*.example.com', /wildcards are not supported/],
      ['bad host', /not a valid host name/],
      ['-bad.example', /not a valid host name/],
      ['[::1', /expected a host name/],
      ['[127.0.0.1]:80', /not an IPv6 address/],
      ['::1:80:zz', /not an IP address/],
      ['a:b:c', /not an IP address/],
    ];
    for (const [text, message] of cases) {
      const parsed = parseEgressAllowList(`localhost,${text}`);
      expect(parsed.ok, text).toBe(false);
      expect(!parsed.ok && parsed.problems, text).toEqual([expect.stringMatching(message)]);
      expect(!parsed.ok && parsed.problems[0], text).toContain(`entry "${text}"`);
    }
  });

  it('reports every bad entry at once', () => {
    const parsed = parseEgressAllowList('nope:1:2,10.0.0.300,ok.example,[x]');
    expect(!parsed.ok && parsed.problems.length).toBe(3);
  });
});

describe('createEgressPolicy', () => {
  it('denies every non-public address by default and allows public ones', () => {
    const policy = createEgressPolicy();
    expect(policy.checkAddress('127.0.0.1', 80)).toEqual({ allowed: false, reason: 'loopback', description: 'loopback address' });
    expect(policy.checkAddress('::ffff:7f00:1', 80)).toEqual({ allowed: false, reason: 'loopback', description: 'loopback address (IPv4-mapped 127.0.0.1)' });
    expect(policy.checkAddress('10.0.0.1', 443)).toMatchObject({ allowed: false, reason: 'private' });
    expect(policy.checkAddress('169.254.169.254', 80)).toMatchObject({ allowed: false, reason: 'link-local' });
    expect(policy.checkAddress('93.184.216.34', 443)).toEqual({ allowed: true });
    expect(policy.checkAddress('not-an-ip', 80)).toMatchObject({ allowed: false, reason: 'unparseable' });
    expect(policy.allowsHostName('localhost', 80)).toBe(false);
  });

  it('opens what the allow list names: addresses and ranges on their port, IPv4-mapped forms alike', () => {
    const policy = createEgressPolicy({ allow: allowList('127.0.0.1:8080,10.0.0.0/8,[::1]:3000,fd00::/8') });
    expect(policy.checkAddress('127.0.0.1', 8080)).toEqual({ allowed: true });
    expect(policy.checkAddress('::ffff:127.0.0.1', 8080)).toEqual({ allowed: true });
    expect(policy.checkAddress('127.0.0.1', 8081)).toMatchObject({ allowed: false });
    expect(policy.checkAddress('127.0.0.2', 8080)).toMatchObject({ allowed: false });
    expect(policy.checkAddress('10.20.30.40', 1)).toEqual({ allowed: true });
    expect(policy.checkAddress('11.0.0.1', 1)).toEqual({ allowed: true });
    expect(policy.checkAddress('::1', 3000)).toEqual({ allowed: true });
    expect(policy.checkAddress('::1', 3001)).toMatchObject({ allowed: false });
    expect(policy.checkAddress('fd00::5', 22)).toEqual({ allowed: true });
    expect(policy.checkAddress('fe80::1', 22)).toMatchObject({ allowed: false });
    expect([...policy.rangePorts].sort()).toEqual([3000, 8080]);
  });

  it('matches host-name entries on the name as written, with their port', () => {
    const policy = createEgressPolicy({ allow: allowList('localhost,internal.svc:8443,internal.svc:9443') });
    expect(policy.allowsHostName('localhost', 1)).toBe(true);
    expect(policy.allowsHostName('localhost.', 1)).toBe(true);
    expect(policy.allowsHostName('sub.localhost', 1)).toBe(false);
    expect(policy.allowsHostName('internal.svc', 8443)).toBe(true);
    expect(policy.allowsHostName('internal.svc', 9443)).toBe(true);
    expect(policy.allowsHostName('internal.svc', 443)).toBe(false);
    // A name entry is about names: the address it resolves to is not opened for IP-literal URLs.
    expect(policy.checkAddress('127.0.0.1', 80)).toMatchObject({ allowed: false });
    // A portless entry for the same name wins over the port-limited ones.
    expect(createEgressPolicy({ allow: allowList('a.example:1,a.example') }).allowsHostName('a.example', 2)).toBe(true);
  });
});

describe('EgressDeniedError', () => {
  it('names the destination, the address and the reason, and how to open it', () => {
    expect(new EgressDeniedError('127.0.0.1', 5432, '127.0.0.1', 'loopback', 'loopback address').message).toBe(
      'egress to 127.0.0.1:5432 denied: loopback address (set EGRESS_ALLOW to open it)',
    );
    expect(new EgressDeniedError('::1', 80, '::1', 'loopback', 'loopback address').message).toBe(
      'egress to [::1]:80 denied: loopback address (set EGRESS_ALLOW to open it)',
    );
    const named = new EgressDeniedError('localhost', 8080, '127.0.0.1', 'loopback', 'loopback address', 1);
    expect(named.message).toBe(
      'egress to localhost:8080 denied: localhost resolves to 127.0.0.1, a loopback address (and 1 more denied address) (set EGRESS_ALLOW to open it)',
    );
    expect(named.code).toBe('EGRESS_DENIED');
  });
});
