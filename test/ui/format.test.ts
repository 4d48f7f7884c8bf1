import { describe, expect, test } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatCountdown,
  formatDuration,
  formatInterval,
  formatRate,
  hostPort,
} from '../../source/ui/format.js';

describe('format', () => {
  test('bytes in binary units, at most five cells', () => {
    expect(formatBytes(0)).toBe('0B');
    expect(formatBytes(1023)).toBe('1023B');
    expect(formatBytes(1536)).toBe('1.5K');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10M');
    expect(formatBytes(1024 * 1024 - 1)).toBe('1.0M');
    expect(formatBytes(5 * 1024 ** 4)).toBe('5.0T');
    expect(formatBytes(undefined)).toBe('-');
    for (const n of [0, 9, 999, 1000, 1023, 1024, 99_999, 1e9, 1e15]) {
      expect(formatBytes(n).length).toBeLessThanOrEqual(5);
    }
  });

  test('rates and counts', () => {
    expect(formatRate(2048)).toBe('2.0K/s');
    expect(formatRate(undefined)).toBe('-');
    expect(formatCount(10_000)).toBe('10,000');
    expect(formatCount(999)).toBe('999');
  });

  test('durations are coarse unless precise', () => {
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(725)).toBe('12m');
    expect(formatDuration(725, true)).toBe('12m05s');
    expect(formatDuration(3 * 3600 + 7 * 60 + 9)).toBe('3h07m');
    expect(formatDuration(2 * 86400 + 4 * 3600)).toBe('2d04h');
  });

  test('intervals below a second in ms', () => {
    expect(formatInterval(250)).toBe('250ms');
    expect(formatInterval(2000)).toBe('2s');
    expect(formatInterval(300_000)).toBe('5m');
  });

  test('countdowns tick by the second in their last ten minutes', () => {
    expect(formatCountdown(4998)).toBe('1h23m');
    expect(formatCountdown(1200)).toBe('20m');
    expect(formatCountdown(599)).toBe('9m59s');
    expect(formatCountdown(0)).toBe('due');
    expect(formatCountdown(undefined)).toBe('-');
  });

  test('host:port brackets IPv6', () => {
    expect(hostPort('192.0.2.1', 500)).toBe('192.0.2.1:500');
    expect(hostPort('2001:db8::1', 4500)).toBe('[2001:db8::1]:4500');
    expect(hostPort(undefined, 500)).toBe('');
  });
});
