import { describe, expect, test } from 'vitest';
import { createKeyDecoder } from '../../source/ui/input.js';

const keys = (...names: string[]) => names.map((name) => ({ kind: 'key', name }));

describe('the terminal input as keys and pastes', () => {
  test('a run of text is one key per character (fast typing, key repeat, a plain paste)', () => {
    const decode = createKeyDecoder();
    expect(decode(['jj'])).toEqual(keys('j', 'j'));
    expect(decode(['/dave'])).toEqual(keys('/', 'd', 'a', 'v', 'e'));
    expect(decode(['G\rI\t\x7f '])).toEqual(keys('G', 'enter', 'I', 'tab', 'backspace', 'space'));
    expect(decode(['\x03\x15\x17'])).toEqual(keys('ctrl+c', 'ctrl+u', 'ctrl+w'));
  });

  test('escape sequences are the keys they name; Shift-Tab and modified arrows included', () => {
    const decode = createKeyDecoder();
    expect(
      decode(['\x1b[A', '\x1b[B', '\x1b[Z', '\x1b[5~', '\x1b[1;5C', '\x1bOH', '\x1b']),
    ).toEqual(keys('up', 'down', 'shift+tab', 'pageup', 'right', 'home', 'esc'));
    // Alt+key and sequences we do not know are no key at all.
    expect(decode(['\x1bx', '\x1b[99~'])).toEqual([]);
  });

  test('a bracketed paste is text, never keys, even when it spans reads', () => {
    const decode = createKeyDecoder();
    expect(decode(['\x1b[200~', 'try it', '\x1b[201~'])).toEqual([
      { kind: 'paste', text: 'try it' },
    ]);
    expect(decode(['\x1b[200~', 'c7'])).toEqual([]);
    expect(decode(['.\r', '\x1b[A', 'x', '\x1b[201~', 'j'])).toEqual([
      { kind: 'paste', text: 'c7.\rx' },
      { kind: 'key', name: 'j' },
    ]);
  });
});
