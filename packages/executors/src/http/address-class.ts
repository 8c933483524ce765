import { cidr, formatIp, inRange, lowIPv4, type IpAddress, type IpRange } from './ip-address.js';

/**
 * Why an address is not a public destination. Workflow input must not reach the worker's own host,
 * its network or its cloud's metadata service through an http step (server-side request forgery),
 * so every address that is not globally routable unicast is denied unless the operator opens it.
 */
export type DeniedKind = 'loopback' | 'private' | 'link-local' | 'unspecified' | 'shared' | 'multicast' | 'broadcast' | 'reserved';

export type AddressClass = { kind: 'public' } | { kind: DeniedKind; description: string };

interface DeniedRange {
  range: IpRange;
  kind: DeniedKind;
  description: string;
}

const denied = (text: string, kind: DeniedKind, description: string): DeniedRange => ({ range: cidr(text), kind, description });

/**
 * IPv4 ranges that are not public unicast (IANA's special-purpose registry, RFC 6890 and its
 * updates), most specific first: the first match names the reason.
 */
const IPV4_DENIED: readonly DeniedRange[] = [
  denied('0.0.0.0/8', 'unspecified', 'unspecified address (0.0.0.0/8 means "this host" to most stacks)'),
  denied('10.0.0.0/8', 'private', 'private address (RFC 1918)'),
  denied('100.64.0.0/10', 'shared', 'shared address space (carrier-grade NAT, 100.64.0.0/10)'),
  denied('127.0.0.0/8', 'loopback', 'loopback address'),
  denied('169.254.169.254/32', 'link-local', 'link-local address (the cloud metadata service)'),
  denied('169.254.0.0/16', 'link-local', 'link-local address'),
  denied('172.16.0.0/12', 'private', 'private address (RFC 1918)'),
  denied('192.0.0.0/24', 'reserved', 'reserved address (IETF protocol assignments, 192.0.0.0/24)'),
  denied('192.0.2.0/24', 'reserved', 'reserved address (documentation, 192.0.2.0/24)'),
  denied('192.88.99.0/24', 'reserved', 'reserved address (6to4 relay anycast, deprecated)'),
  denied('192.168.0.0/16', 'private', 'private address (RFC 1918)'),
  denied('198.18.0.0/15', 'reserved', 'reserved address (benchmarking, 198.18.0.0/15)'),
  denied('198.51.100.0/24', 'reserved', 'reserved address (documentation, 198.51.100.0/24)'),
  denied('203.0.113.0/24', 'reserved', 'reserved address (documentation, 203.0.113.0/24)'),
  denied('224.0.0.0/4', 'multicast', 'multicast address'),
  denied('255.255.255.255/32', 'broadcast', 'broadcast address'),
  denied('240.0.0.0/4', 'reserved', 'reserved address (240.0.0.0/4)'),
];

/**
 * IPv6 forms that carry an IPv4 address the packet ends up at (through a translator or a tunnel):
 * they are judged by that address, so `64:ff9b::7f00:1` is as local as `127.0.0.1`. (IPv4-mapped
 * addresses, `::ffff:a.b.c.d`, are turned into IPv4 before anything else: see {@link unmapIPv4}.)
 */
const EMBEDDED_IPV4: readonly { range: IpRange; form: string; extract: (address: IpAddress) => IpAddress }[] = [
  { range: cidr('64:ff9b::/96'), form: 'NAT64 address', extract: lowIPv4 },
  { range: cidr('2002::/16'), form: '6to4 address', extract: (address) => ({ family: 4, value: (address.value >> 80n) & 0xffff_ffffn }) },
];

const IPV6_DENIED: readonly DeniedRange[] = [
  denied('::/128', 'unspecified', 'unspecified address (::)'),
  denied('::1/128', 'loopback', 'loopback address'),
  // The rest of ::/8 holds the deprecated IPv4-compatible form (::a.b.c.d) and nothing routable.
  denied('::/8', 'reserved', 'reserved address (::/8, IPv4-compatible addresses are deprecated)'),
  denied('64:ff9b:1::/48', 'reserved', 'reserved address (local-use NAT64, 64:ff9b:1::/48)'),
  denied('100::/64', 'reserved', 'reserved address (discard-only, 100::/64)'),
  denied('2001::/32', 'reserved', 'reserved address (Teredo tunnelling, 2001::/32)'),
  denied('2001:2::/48', 'reserved', 'reserved address (benchmarking, 2001:2::/48)'),
  denied('2001:db8::/32', 'reserved', 'reserved address (documentation, 2001:db8::/32)'),
  denied('3fff::/20', 'reserved', 'reserved address (documentation, 3fff::/20)'),
  denied('fc00::/7', 'private', 'private address (IPv6 unique local, fc00::/7)'),
  denied('fe80::/10', 'link-local', 'link-local address'),
  denied('fec0::/10', 'private', 'private address (IPv6 site-local, deprecated)'),
  denied('ff00::/8', 'multicast', 'multicast address'),
];

const MAPPED = cidr('::ffff:0:0/96');

/**
 * `::ffff:a.b.c.d` is how a dual-stack socket writes an IPv4 destination: connecting to it reaches
 * `a.b.c.d`. It is turned into that IPv4 address so that the ranges and the allow list see one
 * address, whichever way it was written.
 */
export function unmapIPv4(address: IpAddress): IpAddress {
  return inRange(address, MAPPED) ? lowIPv4(address) : address;
}

/** Public unicast, or the reason it is not. Mapped IPv6 addresses are classified as their IPv4 address. */
export function classifyAddress(input: IpAddress): AddressClass {
  const address = unmapIPv4(input);
  if (address.family === 4) return classifyIn(address, IPV4_DENIED);
  for (const embedded of EMBEDDED_IPV4) {
    if (!inRange(address, embedded.range)) continue;
    const inner = embedded.extract(address);
    const verdict = classifyIn(inner, IPV4_DENIED);
    return verdict.kind === 'public' ? verdict : { kind: verdict.kind, description: `${embedded.form} of ${formatIp(inner)}, a ${verdict.description}` };
  }
  return classifyIn(address, IPV6_DENIED);
}

function classifyIn(address: IpAddress, table: readonly DeniedRange[]): AddressClass {
  for (const entry of table) {
    if (inRange(address, entry.range)) return { kind: entry.kind, description: entry.description };
  }
  return { kind: 'public' };
}
