import { describe, expect, it } from 'vitest';
import { gatewayIsSelf, gatewayProblem, validGateway } from '../../source/monitor/gateway.js';
import { daemonRestarted, runningRange } from '../../source/monitor/uptime.js';

const T = Date.parse('2026-12-01T21:00:00Z');

describe('daemonRestarted', () => {
  it('reads charon\'s "%V" uptime as the range of seconds it stands for', () => {
    expect(runningRange('1 second')).toEqual({ lo: 1, hi: 2 });
    expect(runningRange('5 minutes')).toEqual({ lo: 300, hi: 360 });
    expect(runningRange('3 days')).toEqual({ lo: 259_200, hi: 345_600 });
    expect(runningRange('soon')).toBeUndefined();
  });

  it('never on the flicker of since (the lab: 27 × :32, 3 × :33 in 6 s)', () => {
    const a = { running: '62 minutes', since: 'Dec 01 20:57:32 2026', at: T };
    const b = { running: '62 minutes', since: 'Dec 01 20:57:33 2026', at: T + 200 };
    expect(daemonRestarted(a, b)).toBe(false);
    expect(daemonRestarted(b, { ...a, at: T + 400 })).toBe(false);
    // A unit rolling over is not going backwards.
    expect(
      daemonRestarted({ running: '120 seconds', at: T }, { running: '2 minutes', at: T + 1_000 }),
    ).toBe(false);
  });

  it('when the uptime went backwards', () => {
    expect(
      daemonRestarted({ running: '62 minutes', at: T }, { running: '3 seconds', at: T + 5_000 }),
    ).toBe(true);
    // Even a daemon that had run for only a few seconds.
    expect(
      daemonRestarted({ running: '4 seconds', at: T }, { running: '1 second', at: T + 2_000 }),
    ).toBe(true);
  });

  it('with no readable uptime, only a since that moved by more than a few seconds', () => {
    const a = { since: 'Dec 01 20:57:32 2026', at: T };
    expect(daemonRestarted(a, { since: 'Dec 01 20:57:33 2026', at: T + 9_000 })).toBe(false);
    expect(daemonRestarted(a, { since: 'Dec 01 21:05:00 2026', at: T + 9_000 })).toBe(true);
  });
});

describe('the one gateway check', () => {
  it('accepts a 253-character name with a trailing dot and refuses a 254-character one', () => {
    const label = 'a'.repeat(63);
    const n253 = [label, label, label, 'b'.repeat(61)].join('.');
    expect(n253).toHaveLength(253);
    expect(gatewayProblem(`${n253}.`)).toBeUndefined();
    expect(validGateway(n253)).toBe(true);
    expect(gatewayProblem(`${n253}b`)).toMatch(/1 to 253 characters/);
  });

  it('refuses what is neither an address nor a host name', () => {
    for (const bad of ['', 'a b', '300.1.2.3', '10.0.0', ':::1', '-x.example', 'x'.repeat(64)]) {
      expect(gatewayProblem(bad), bad).toBeDefined();
    }
  });

  it("tells an SA's own local address", () => {
    expect(gatewayIsSelf('192.168.0.1', ['192.168.0.1'])).toMatch(/own address/);
    expect(gatewayIsSelf('FD00::1', ['fd00::1'])).toMatch(/own address/);
    expect(gatewayIsSelf('192.168.0.9', ['192.168.0.1'])).toBeUndefined();
    expect(gatewayIsSelf('moon.example', ['192.168.0.1'])).toBeUndefined();
  });
});
