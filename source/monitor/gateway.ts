import { isIP } from 'node:net';

/*
 * The one check of a redirect gateway, used by the UI's prompt and by the Commander before it
 * sends anything, so the two can never disagree. IKEv2 redirect (RFC 5685) names the new
 * gateway by IP address or FQDN; a name is resolved by the peer, not here.
 */

/** A DNS label: letters, digits, hyphens inside, 1-63 characters. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
/** A name of at most 253 characters, not counting one trailing dot (the root). */
const MAX_NAME = 253;

/** Why `input` cannot be a redirect gateway, or undefined when it can (an IP or a host name). */
export function gatewayProblem(input: string): string | undefined {
  const g = input.trim();
  if (g === '') return 'type an IP address or a host name';
  if (isIP(g) !== 0) return undefined;
  // Looks numeric but is not an address: "300.1.2.3" or "10.0.0" must not pass as host names.
  if (/^[\d.]+$/.test(g)) return 'not a valid IPv4 address';
  if (g.includes(':')) return 'not a valid IPv6 address';
  const name = g.endsWith('.') ? g.slice(0, -1) : g;
  if (name.length === 0 || name.length > MAX_NAME) {
    return `a host name has 1 to ${MAX_NAME} characters`;
  }
  if (!name.split('.').every((l) => LABEL.test(l))) return 'neither an IP address nor a host name';
  return undefined;
}

/** Whether `input` is a gateway a redirect may name (see gatewayProblem). */
export function validGateway(input: string): boolean {
  return gatewayProblem(input) === undefined;
}

/**
 * Why redirecting an IKE_SA to `gateway` would send its peer back where it is: the gateway is
 * the SA's own local address. Undefined when it is not (a host name cannot be checked here).
 */
export function gatewayIsSelf(
  gateway: string,
  localHosts: readonly (string | undefined)[],
): string | undefined {
  const g = normalise(gateway.trim());
  if (isIP(g) === 0) return undefined;
  for (const h of localHosts) {
    if (h !== undefined && normalise(h) === g) {
      return `${gateway.trim()} is this gateway's own address on that SA: the peer would come back here`;
    }
  }
  return undefined;
}

function normalise(addr: string): string {
  // IPv6 literals are case-insensitive and may be written with or without brackets.
  return addr.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}
