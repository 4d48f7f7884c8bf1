import { ConnectError } from './errors.js';

/** Where a daemon's vici socket is: a unix socket path or a TCP endpoint. */
export type ViciTarget =
  | { kind: 'unix'; path: string }
  | { kind: 'tcp'; host: string; port: number };

/** A vici URI we cannot use; a ConnectError so one `catch` covers every way connect fails. */
export class UriError extends ConnectError {
  override name = 'UriError';
  constructor(uri: string, why: string) {
    super(
      uri,
      'EINVAL',
      `invalid vici uri "${printable(uri)}": ${why} (expected unix:///path/to/charon.vici or tcp://host:port)`,
    );
  }
}

/** strongSwan's own default (charon.plugins.vici.socket): a unix socket, TCP on Windows. */
export function defaultUri(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'tcp://127.0.0.1:4502' : 'unix:///var/run/charon.vici';
}

/**
 * Accepts `unix://PATH` (as swanctl's --uri does: `unix:///run/x.vici`), `tcp://HOST:PORT`
 * (IPv6 in brackets), or a bare path.
 */
export function parseUri(uri: string): ViciTarget {
  if (typeof uri !== 'string' || uri.trim() === '') throw new UriError(String(uri), 'it is empty');
  if (/[\x00-\x1f\x7f]/.test(uri)) throw new UriError(uri, 'it contains control characters');
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(uri);
  if (!scheme) {
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri) && !uri.startsWith('/') && !uri.startsWith('.')) {
      throw new UriError(uri, 'unknown scheme');
    }
    return { kind: 'unix', path: uri };
  }
  const rest = uri.slice(scheme[0].length);
  switch (scheme[1]!.toLowerCase()) {
    case 'unix':
      if (rest === '') throw new UriError(uri, 'no socket path');
      return { kind: 'unix', path: rest };
    case 'tcp': {
      const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:/[\]]+)):(\d{1,5})$/.exec(rest);
      if (!m) throw new UriError(uri, 'tcp needs host:port');
      const port = Number(m[3]);
      if (port < 1 || port > 65535) throw new UriError(uri, `port ${m[3]} is out of range`);
      return { kind: 'tcp', host: (m[1] ?? m[2])!, port };
    }
    default:
      throw new UriError(uri, `unknown scheme "${scheme[1]}"`);
  }
}

/** The URI as a person would type it, for messages. */
export function formatTarget(t: ViciTarget): string {
  if (t.kind === 'unix') return `unix://${t.path}`;
  return t.host.includes(':') ? `tcp://[${t.host}]:${t.port}` : `tcp://${t.host}:${t.port}`;
}

function printable(s: string): string {
  return s.replace(
    /[\x00-\x1f\x7f-\x9f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
