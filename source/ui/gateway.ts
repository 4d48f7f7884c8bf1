import { isIP } from 'node:net';

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** Why `input` cannot be a redirect gateway, or undefined when it can (an IP or a hostname). */
export function gatewayProblem(input: string): string | undefined {
  const g = input.trim();
  if (g === '') return 'type an IP address or a hostname';
  if (isIP(g) !== 0) return undefined;
  // Looks numeric but is not an address: "300.1.2.3" or "10.0.0" must not pass as hostnames.
  if (/^[\d.]+$/.test(g)) return 'not a valid IPv4 address';
  if (g.includes(':')) return 'not a valid IPv6 address';
  if (!HOSTNAME.test(g)) return 'neither an IP address nor a hostname';
  return undefined;
}
