import { classifyAddress, unmapIPv4, type DeniedKind } from './address-class.js';
import { parseEgressAllowList, type EgressAllowEntry } from './egress-allow-list.js';
import { formatIp, inRange, parseIp, type IpRange } from './ip-address.js';

/**
 * Which destinations workflow-controlled requests (http steps, the agents' http tool) may connect
 * to: every public unicast address, plus what the operator's allow list opens. Built once per
 * worker; every check is a scan of the (short) allow list and the built-in range tables, with no
 * I/O: resolving host names is the connector's job (`egress-connector.ts`), which asks this policy
 * about each address it is about to connect to.
 */
export interface EgressPolicy {
  /** Whether a host-name entry opens `host` (a URL's host name) on `port`; the name is then not resolved for the check. */
  allowsHostName(host: string, port: number): boolean;
  /** The verdict on connecting to `address` (an IP address, IPv6 without brackets) on `port`. */
  checkAddress(address: string, port: number): EgressVerdict;
  /** Ports that some IP or CIDR entry is limited to: a check on any other port ignores those entries. */
  readonly rangePorts: ReadonlySet<number>;
}

export type EgressVerdict = { allowed: true } | { allowed: false; reason: EgressDeniedReason; description: string };

/** `unparseable`: an address this code cannot read is refused rather than guessed at. */
export type EgressDeniedReason = DeniedKind | 'unparseable';

export interface EgressPolicyOptions {
  /** Destinations opened although their address is denied (parsed `EGRESS_ALLOW`). Default none. */
  allow?: readonly EgressAllowEntry[];
}

/**
 * The policy: deny every address that is not public unicast (loopback, private, link-local,
 * carrier-grade NAT, unspecified, multicast, broadcast, reserved, and IPv6 forms of those), except
 * what `allow` opens.
 *
 * @example
 * const policy = createEgressPolicy({ allow: parsed.entries });
 * policy.checkAddress('127.0.0.1', 5432); // { allowed: false, reason: 'loopback', … } unless allowed
 */
export function createEgressPolicy(options: EgressPolicyOptions = {}): EgressPolicy {
  // Precomputed once: names to the ports they open (undefined: every port), and the ranges.
  const names = new Map<string, Set<number> | undefined>();
  const ranges: { range: IpRange; port?: number }[] = [];
  for (const entry of options.allow ?? []) {
    if (entry.kind === 'host') {
      const ports = names.has(entry.host) ? names.get(entry.host) : new Set<number>();
      if (ports === undefined || entry.port === undefined) names.set(entry.host, undefined);
      else names.set(entry.host, ports.add(entry.port));
    } else {
      ranges.push({ range: entry.range, ...(entry.port === undefined ? {} : { port: entry.port }) });
    }
  }
  const rangePorts = new Set(ranges.flatMap((r) => (r.port === undefined ? [] : [r.port])));

  return {
    rangePorts,
    allowsHostName(host, port) {
      const key = host.endsWith('.') ? host.slice(0, -1) : host;
      if (!names.has(key)) return false;
      const ports = names.get(key);
      return ports === undefined || ports.has(port);
    },
    checkAddress(text, port) {
      const parsed = parseIp(text);
      if (parsed === undefined) return { allowed: false, reason: 'unparseable', description: 'not an IP address this worker can classify' };
      const address = unmapIPv4(parsed);
      if (ranges.some((r) => (r.port === undefined || r.port === port) && inRange(address, r.range))) return { allowed: true };
      const verdict = classifyAddress(address);
      if (verdict.kind === 'public') return { allowed: true };
      const mapped = address !== parsed ? ` (IPv4-mapped ${formatIp(address)})` : '';
      return { allowed: false, reason: verdict.kind, description: `${verdict.description}${mapped}` };
    },
  };
}

/**
 * The policy for an allow list written as `EGRESS_ALLOW` is (`'127.0.0.1,10.0.0.0/8'`). Throws on
 * a bad entry: for programs and tests that embed the executors. (The worker parses `EGRESS_ALLOW`
 * in its config, which reports every problem as a startup error.)
 */
export function egressPolicyFrom(allow: string): EgressPolicy {
  const parsed = parseEgressAllowList(allow);
  if (!parsed.ok) throw new Error(`invalid egress allow list: ${parsed.problems.join('; ')}`);
  return createEgressPolicy({ allow: parsed.entries });
}

/** The error code a denial carries through undici to the executor. */
export const EGRESS_DENIED_CODE = 'EGRESS_DENIED';

/**
 * A connection the policy refused, raised before any connection attempt: so a refused port and a
 * closed one look the same to the workflow (both denied), and nothing reaches the address.
 */
export class EgressDeniedError extends Error {
  readonly code = EGRESS_DENIED_CODE;
  constructor(
    /** The URL's host name or IP address (IPv6 without brackets). */
    readonly host: string,
    readonly port: number,
    /** The address that was refused: `host` itself, or what it resolved to. */
    readonly address: string,
    readonly reason: EgressDeniedReason,
    description: string,
    /** Denied addresses the name resolved to besides `address`. */
    others = 0,
  ) {
    const resolved = address === host ? '' : `${host} resolves to ${address}, a `;
    const more = others > 0 ? ` (and ${others} more denied address${others === 1 ? '' : 'es'})` : '';
    super(`egress to ${hostPort(host, port)} denied: ${resolved}${description}${more} (set EGRESS_ALLOW to open it)`);
    this.name = 'EgressDeniedError';
  }
}

/** `host:port`, with IPv6 in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
