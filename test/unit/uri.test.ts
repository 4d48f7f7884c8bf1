import { describe, expect, it } from 'vitest';
import {
  ConnectError,
  defaultUri,
  formatTarget,
  parseUri,
  UriError,
} from '../../source/vici/index.js';

describe('parseUri', () => {
  it('reads unix URIs the way swanctl --uri writes them', () => {
    expect(parseUri('unix:///var/run/charon.vici')).toEqual({
      kind: 'unix',
      path: '/var/run/charon.vici',
    });
  });

  it('takes a bare path as a unix socket', () => {
    expect(parseUri('/run/swantop-lab/moon.vici')).toEqual({
      kind: 'unix',
      path: '/run/swantop-lab/moon.vici',
    });
    expect(parseUri('./moon.vici')).toEqual({ kind: 'unix', path: './moon.vici' });
  });

  it('reads tcp host:port, with IPv6 in brackets', () => {
    expect(parseUri('tcp://127.0.0.1:4502')).toEqual({
      kind: 'tcp',
      host: '127.0.0.1',
      port: 4502,
    });
    expect(parseUri('tcp://[::1]:4502')).toEqual({ kind: 'tcp', host: '::1', port: 4502 });
    expect(formatTarget(parseUri('tcp://[::1]:4502'))).toBe('tcp://[::1]:4502');
  });

  it.each([
    ['', /empty/],
    ['tcp://127.0.0.1', /host:port/],
    ['tcp://127.0.0.1:99999', /out of range/],
    ['http://example:80', /unknown scheme "http"/],
    ['unix://', /no socket path/],
    ['unix:///tmp/\x1b[31m', /control characters/],
  ])('refuses %j with a one-line reason', (uri, reason) => {
    let caught: unknown;
    try {
      parseUri(uri);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UriError);
    expect(caught).toBeInstanceOf(ConnectError);
    const message = (caught as Error).message;
    expect(message).toMatch(reason);
    expect(message).not.toMatch(/[\n\x1b]/);
  });

  it('defaults like strongSwan: a unix socket, TCP on Windows', () => {
    expect(defaultUri('linux')).toBe('unix:///var/run/charon.vici');
    expect(defaultUri('win32')).toBe('tcp://127.0.0.1:4502');
  });
});
