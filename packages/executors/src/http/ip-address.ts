/**
 * IP addresses as numbers, for the egress policy: an address is classified by which ranges contain
 * it, so every textual form of one address (`::ffff:127.0.0.1`, `::ffff:7f00:1`, `0:0:0:0:0:ffff:7f00:1`)
 * must become the same number before anything compares it. Pure: no I/O, no DNS.
 */

/** One address: IPv4 in the low 32 bits, IPv6 in 128 bits. */
export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

/** A CIDR block: the addresses whose first `prefix` bits equal those of `base`. */
export interface IpRange {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

/**
 * Parses an IPv4 address in the one form DNS answers and URLs (after WHATWG parsing) produce:
 * four decimal numbers 0–255 without leading zeros. Octal, hex and short forms are refused here on
 * purpose: they never come out of a resolver, and in an allow list they would be ambiguous.
 */
export function parseIPv4(text: string): IpAddress | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(?:0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return { family: 4, value };
}

/**
 * Parses an IPv6 address: eight groups of 1–4 hex digits, one `::` for a run of zero groups, an
 * optional dotted IPv4 tail (`::ffff:1.2.3.4`) and an optional zone (`fe80::1%eth0`, ignored: the
 * zone picks an interface, not a different address).
 */
export function parseIPv6(text: string): IpAddress | undefined {
  const zone = text.indexOf('%');
  let rest = zone === -1 ? text : text.slice(0, zone);
  if (zone !== -1 && zone === text.length - 1) return undefined;

  // A dotted IPv4 tail stands for the last two groups.
  let tail: bigint | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon !== -1 && rest.includes('.', lastColon)) {
    const v4 = parseIPv4(rest.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = v4.value;
    // Keep the colon(s) before the tail so that "::1.2.3.4" still splits around its "::".
    rest = `${rest.slice(0, lastColon + 1)}0:0`;
  }

  const halves = rest.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (half: string): string[] | undefined => {
    if (half === '') return [];
    const groups = half.split(':');
    return groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) ? groups : undefined;
  };
  const head = groupsOf(halves[0]!);
  const back = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (head === undefined || back === undefined) return undefined;
  const written = head.length + back.length;
  if (halves.length === 2 ? written > 7 : written !== 8) return undefined;
  const groups = [...head, ...Array<string>(8 - written).fill('0'), ...back];

  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  if (tail !== undefined) value = (value & ~0xffff_ffffn) | tail;
  return { family: 6, value };
}

/** Either family; `undefined` for anything that is not an IP address (a host name, a bracketed form). */
export function parseIp(text: string): IpAddress | undefined {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

/** `a.b.c.d`, or the compressed IPv6 form (RFC 5952: lower case, the longest run of zeros as `::`). */
export function formatIp(address: IpAddress): string {
  if (address.family === 4) {
    const v = Number(address.value);
    return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((address.value >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * A CIDR range from its text (`10.0.0.0/8`, `fc00::/7`); a bare address is a range of one.
 * Returns a reason instead when the text is not one: the allow-list parser reports it.
 */
export function parseIpRange(text: string): IpRange | { error: string } {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const address = parseIp(addressText);
  if (address === undefined) return { error: `"${addressText}" is not an IP address` };
  if (slash !== -1 && addressText.includes('%')) return { error: 'a CIDR range cannot have a zone' };
  const bits = BITS[address.family];
  if (slash === -1) return { family: address.family, base: address.value, prefix: bits };
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return { error: `the prefix length must be a number from 0 to ${bits}` };
  const prefix = Number(prefixText);
  const range: IpRange = { family: address.family, base: address.value, prefix };
  const masked = address.value & mask(range);
  if (masked !== address.value) {
    // Most likely a typo for the network; saying which one beats silently widening or narrowing.
    return { error: `has bits set past the /${prefix} prefix (did you mean ${formatIp({ family: address.family, value: masked })}/${prefix}?)` };
  }
  return range;
}

/** Whether `range` contains `address` (families must match: an IPv4-mapped IPv6 address is not IPv4 here). */
export function inRange(address: IpAddress, range: IpRange): boolean {
  return address.family === range.family && (address.value & mask(range)) === range.base;
}

/** The range for a literal: `cidr('10.0.0.0/8')`. Throws on bad text: for the built-in tables only. */
export function cidr(text: string): IpRange {
  const parsed = parseIpRange(text);
  if ('error' in parsed) throw new Error(`bad built-in range ${text}: ${parsed.error}`);
  return parsed;
}

/** The IPv4 address in the low 32 bits of an IPv6 one (for mapped, NAT64 forms). */
export function lowIPv4(address: IpAddress): IpAddress {
  return { family: 4, value: address.value & 0xffff_ffffn };
}

function mask(range: IpRange): bigint {
  const bits = BigInt(BITS[range.family]);
  const prefix = BigInt(range.prefix);
  return ((1n << bits) - 1n) ^ ((1n << (bits - prefix)) - 1n);
}
