import { describe, expect, test } from 'vitest';
import { splitKeys } from '../../source/ui/hooks.js';
import { noKey } from './fixtures.js';

const none = noKey;

describe('keys that arrive in one read', () => {
  test('become one key press per character (fast typing, key repeat, a paste)', () => {
    expect(splitKeys('jj', none).map(([i]) => i)).toEqual(['j', 'j']);
    expect(splitKeys('/dave', none).map(([i]) => i)).toEqual(['/', 'd', 'a', 'v', 'e']);
  });

  test('keep capitals as shifted keys, and Enter, Tab and Backspace as those keys', () => {
    const keys = splitKeys('G\rI\t\x7f', none);
    expect(keys.map(([i]) => i)).toEqual(['G', '', 'I', '', '']);
    expect(keys[0]?.[1].shift).toBe(true);
    expect(keys[1]?.[1].return).toBe(true);
    expect(keys[3]?.[1].tab).toBe(true);
    expect(keys[4]?.[1].backspace).toBe(true);
  });

  test('leave single keys and special keys alone', () => {
    expect(splitKeys('q', none)).toEqual([['q', none]]);
    const up = { ...none, upArrow: true };
    expect(splitKeys('', up)).toEqual([['', up]]);
    const ctrl = { ...none, ctrl: true };
    expect(splitKeys('c', ctrl)).toEqual([['c', ctrl]]);
  });
});
