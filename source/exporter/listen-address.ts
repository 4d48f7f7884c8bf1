/*
 * Where the exporter listens: `[HOST:]PORT`. Loopback unless told otherwise, since the metrics
 * name the gateway's tunnels; exposing them is the operator's choice to make explicitly.
 */

/**
 * The default port. The three VICI exporters in use take 8079, 9814 and 9903; 9785 is none of
 * them. (Prometheus' list of exporter ports is full from 9100 to 9999, so no free number is
 * left there to claim; pass PORT when 9785 is taken on a gateway.)
 */
export const DEFAULT_PORT = 9785;
export const DEFAULT_HOST = '127.0.0.1';

export interface ListenAddress {
  host: string;
  port: number;
}

/** A bad `--exporter` value; the message is one line for the user. */
export class ListenAddressError extends Error {
  override name = 'ListenAddressError';
}

/** `''` (the flag alone), `PORT`, `HOST:PORT`, `:PORT`, `[IPV6]:PORT`. Port 0 picks a free one. */
export function parseListenAddress(value: string): ListenAddress {
  const v = value.trim();
  if (v === '') return { host: DEFAULT_HOST, port: DEFAULT_PORT };
  let host = DEFAULT_HOST;
  let port = v;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(v);
  if (v6) {
    host = v6[1]!;
    port = v6[2]!;
  } else if (v.includes(':')) {
    const i = v.lastIndexOf(':');
    if (v.indexOf(':') !== i) {
      throw new ListenAddressError(`write an IPv6 address in brackets: [${v.slice(0, i)}]:PORT`);
    }
    host = v.slice(0, i) || DEFAULT_HOST;
    port = v.slice(i + 1);
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    throw new ListenAddressError(`"${value}" is not [HOST:]PORT with a port from 0 to 65535`);
  }
  if (!/^[A-Za-z0-9.:_-]+$/.test(host)) {
    throw new ListenAddressError(`"${host}" is not a host name or address`);
  }
  return { host, port: Number(port) };
}
