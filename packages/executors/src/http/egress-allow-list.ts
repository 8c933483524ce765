import { domainToASCII } from 'node:url';
import { parseIpRange, type IpRange } from './ip-address.js';

/**
 * One entry of the operator's allow list (`EGRESS_ALLOW`): a destination opened although its
 * address is in a denied range.
 *
 * - `host`: a host name, matched against the URL's host as written (after URL parsing: lower case,
 *   punycode, no trailing dot), before any resolution — whatever the name resolves to is then
 *   allowed. An IP literal in a URL never matches a name entry.
 * - `range`: an IP address or CIDR block, matched against the address actually connected to (the
 *   resolved one for a host name). IPv4-mapped IPv6 addresses count as their IPv4 address.
 *
 * Without `port`, every port of the destination is opened; with one, only that port (a URL without
 * a port means 80 for http, 443 for https).
 */
export type EgressAllowEntry = { kind: 'host'; host: string; port?: number; text: string } | { kind: 'range'; range: IpRange; port?: number; text: string };

export type EgressAllowListResult = { ok: true; entries: EgressAllowEntry[] } | { ok: false; problems: string[] };

/**
 * Parses a comma-separated allow list: `127.0.0.1:8080,10.0.0.0/8,localhost,[::1]:3000,fd00::/8`.
 * Empty items (a trailing comma) are skipped; every other item must be valid, and each problem
 * names its entry, so a worker with a mistyped list refuses to start instead of guessing.
 */
export function parseEgressAllowList(text: string): EgressAllowListResult {
  const entries: EgressAllowEntry[] = [];
  const problems: string[] = [];
  for (const item of text.split(',').map((part) => part.trim())) {
    if (item === '') continue;
    const parsed = parseEgressAllowEntry(item);
    if ('error' in parsed) problems.push(`entry "${item}": ${parsed.error}`);
    else entries.push(parsed);
  }
  return problems.length === 0 ? { ok: true, entries } : { ok: false, problems };
}

const USAGE = 'expected a host name, an IP address or a CIDR range, optionally with :port ([v6]:port for IPv6)';

/** One entry, or why it is not one. */
export function parseEgressAllowEntry(text: string): EgressAllowEntry | { error: string } {
  if (text.includes('://')) return { error: `is a URL; ${USAGE}` };
  if (text.includes('*')) return { error: 'wildcards are not supported: list each host name' };

  // [v6]:port, or [v6] / [v6/len]
  if (text.startsWith('[')) {
    const match = /^\[([^\]]+)\](?::([^:]*))?$/.exec(text);
    if (match === null) return { error: USAGE };
    return rangeEntry(text, match[1]!, match[2], 6);
  }
  // A bare IPv6 address or range: its colons leave no room for a port.
  if ((text.match(/:/g) ?? []).length >= 2) return rangeEntry(text, text, undefined, 6);

  const colon = text.indexOf(':');
  const hostPart = colon === -1 ? text : text.slice(0, colon);
  const portPart = colon === -1 ? undefined : text.slice(colon + 1);
  if (/^[\d./]+$/.test(hostPart)) return rangeEntry(text, hostPart, portPart, 4);
  return hostEntry(text, hostPart, portPart);
}

function rangeEntry(text: string, rangeText: string, portText: string | undefined, family: 4 | 6): EgressAllowEntry | { error: string } {
  const parsed = parseIpRange(rangeText);
  if ('error' in parsed) {
    return { error: family === 4 ? `${parsed.error} (write IPv4 addresses as four decimal numbers, e.g. 10.0.0.1 or 10.0.0.0/8)` : parsed.error };
  }
  if (parsed.family !== family) return { error: `"${rangeText}" is not an IPv${family} address` };
  const port = parsePort(portText);
  if (typeof port === 'object') return port;
  return { kind: 'range', range: parsed, ...(port === undefined ? {} : { port }), text };
}

function hostEntry(text: string, hostText: string, portText: string | undefined): EgressAllowEntry | { error: string } {
  const name = hostText.endsWith('.') ? hostText.slice(0, -1) : hostText;
  const lastLabel = name.slice(name.lastIndexOf('.') + 1);
  // URL parsing reads a host ending in a number as an IPv4 address (2130706433, 0x7f.1, 127.1):
  // such an entry would never match a URL's host name, and it is not an address in the one form we read.
  if (/^(?:\d+|0x[0-9a-f]*)$/i.test(lastLabel)) return { error: `"${hostText}" is not an IP address in dotted-decimal form, nor a host name` };
  // The form URL parsing gives a host: lower case, internationalised names as punycode.
  const ascii = domainToASCII(name);
  if (ascii === '' || ascii.length > 253 || !ascii.split('.').every((label) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label))) {
    return { error: `"${hostText}" is not a valid host name; ${USAGE}` };
  }
  const port = parsePort(portText);
  if (typeof port === 'object') return port;
  return { kind: 'host', host: ascii, ...(port === undefined ? {} : { port }), text };
}

function parsePort(text: string | undefined): number | undefined | { error: string } {
  if (text === undefined) return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65_535) return { error: `the port must be a number from 1 to 65535, not "${text}"` };
  return Number(text);
}
