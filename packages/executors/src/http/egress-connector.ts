import { NOTFOUND, lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { EGRESS_DENIED_CODE, EgressDeniedError, type EgressDeniedReason, type EgressPolicy } from './egress-policy.js';

/**
 * An undici connector that applies `policy` to every connection, at connect time, to the address
 * actually connected to:
 *
 * - an IP literal (`http://127.0.0.1`, `http://[::1]`; URL parsing has already turned `2130706433`,
 *   `0x7f.1` and `127.1` into `127.0.0.1`) is checked before the socket is opened (Node skips the
 *   lookup for literals, so the lookup below would never see it);
 * - a host name an allow-list name entry opens is connected to as usual;
 * - any other name is resolved by the socket's own lookup, replaced here by one that drops denied
 *   addresses from the answer, so the socket can only connect to allowed ones. A name whose
 *   addresses are all denied fails with {@link EgressDeniedError} before any connection attempt.
 *
 * Because the check is in the connector, it covers DNS rebinding (the address checked is the one
 * the socket uses, resolved for this connection) and every redirect hop (each new origin opens its
 * connection here). It costs nothing beyond the one DNS lookup the socket would make anyway.
 *
 * @param options undici's own connector options (connect timeout, TLS settings…).
 */
export function createEgressConnector(policy: EgressPolicy, options: buildConnector.BuildOptions = {}): buildConnector.connector {
  const open = buildConnector(options);
  // The lookup gets no port, but IP entries may be limited to one: one connector per port that
  // some entry names, and one for every other port (where only portless entries apply). At most
  // entries + 1 connectors, each keeping its own TLS session cache.
  const guarded = new Map<number, buildConnector.connector>();
  const guardedFor = (port: number): buildConnector.connector => {
    const key = policy.rangePorts.has(port) ? port : 0;
    let connector = guarded.get(key);
    if (connector === undefined) {
      connector = buildConnector({ ...options, lookup: allowedAddressesLookup(policy, key) });
      guarded.set(key, connector);
    }
    return connector;
  };

  return (connectOptions, callback) => {
    const { hostname: host, protocol } = connectOptions;
    const port = Number(connectOptions.port) || (protocol === 'https:' ? 443 : 80);
    if (isIP(host) !== 0) {
      const verdict = policy.checkAddress(host, port);
      if (verdict.allowed) {
        open(connectOptions, callback);
        return;
      }
      const error = new EgressDeniedError(host, port, host, verdict.reason, verdict.description);
      // Asynchronously, as a socket error would be: undici does not expect its callback re-entered.
      queueMicrotask(() => callback(error, null));
      return;
    }
    if (policy.allowsHostName(host, port)) {
      open(connectOptions, callback);
      return;
    }
    guardedFor(port)(connectOptions, (error, socket) => {
      if (error instanceof DeniedResolution) callback(new EgressDeniedError(host, port, error.address, error.reason, error.description, error.others), null);
      else if (error) callback(error, null);
      else callback(null, socket!);
    });
  };
}

/** Raised by the lookup, which knows the addresses but not the URL's port; the connector names both. */
class DeniedResolution extends Error {
  readonly code = EGRESS_DENIED_CODE;
  constructor(
    readonly address: string,
    readonly reason: EgressDeniedReason,
    readonly description: string,
    readonly others: number,
  ) {
    super(`${address}: ${description}`);
  }
}

/**
 * A `lookup` for `net.connect`: resolves like the default one (all addresses, so Node's
 * happy-eyeballs connect still gets every family), then keeps only the addresses the policy allows
 * on `port`. Node calls it with `all: true` when it will try several addresses, without otherwise.
 */
function allowedAddressesLookup(policy: EgressPolicy, port: number): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const allowed: LookupAddress[] = [];
      const denied: { address: string; reason: EgressDeniedReason; description: string }[] = [];
      for (const entry of addresses) {
        const verdict = policy.checkAddress(entry.address, port);
        if (verdict.allowed) allowed.push(entry);
        else denied.push({ address: entry.address, reason: verdict.reason, description: verdict.description });
      }
      const first = allowed[0];
      if (first === undefined) {
        const head = denied[0];
        // No address and no error: answered as the default lookup answers a name without addresses.
        if (head === undefined) callback(Object.assign(new Error(`getaddrinfo ${NOTFOUND} ${hostname}`), { code: NOTFOUND, hostname }), '', 0);
        else callback(new DeniedResolution(head.address, head.reason, head.description, denied.length - 1), '', 0);
        return;
      }
      if (options.all) (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, allowed);
      else callback(null, first.address, first.family);
    });
  };
}
