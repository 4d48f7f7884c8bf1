import type { InputItem } from './input.js';

/*
 * One line of text being typed (the filter, a gateway): what each key does to it and to the
 * cursor. Positions count characters (code points), not UTF-16 units.
 */

export interface LineEdit {
  text: string;
  cursor: number;
}

/** Longest line a prompt keeps. */
export const MAX_LINE = 200;

/** Pasted or typed text as one line: controls out, line breaks and tabs as spaces. */
export function cleanText(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(/[\p{Cc}\p{Cf}]/gu, '');
}

/** The line after one key or paste, or undefined when the key does not edit a line. */
export function editLine(text: string, cursor: number, item: InputItem): LineEdit | undefined {
  const chars = [...text];
  const at = Math.max(0, Math.min(cursor, chars.length));
  const insert = (s: string): LineEdit => {
    const add = [...cleanText(s)].slice(0, Math.max(0, MAX_LINE - chars.length));
    return {
      text: [...chars.slice(0, at), ...add, ...chars.slice(at)].join(''),
      cursor: at + add.length,
    };
  };
  if (item.kind === 'paste') return insert(item.text);
  switch (item.name) {
    case 'space':
      return insert(' ');
    case 'backspace':
      if (at === 0) return { text, cursor: at };
      return { text: [...chars.slice(0, at - 1), ...chars.slice(at)].join(''), cursor: at - 1 };
    case 'delete':
    case 'ctrl+d':
      return { text: [...chars.slice(0, at), ...chars.slice(at + 1)].join(''), cursor: at };
    case 'left':
    case 'ctrl+b':
      return { text, cursor: Math.max(0, at - 1) };
    case 'right':
    case 'ctrl+f':
      return { text, cursor: Math.min(chars.length, at + 1) };
    case 'home':
    case 'ctrl+a':
      return { text, cursor: 0 };
    case 'end':
    case 'ctrl+e':
      return { text, cursor: chars.length };
    case 'ctrl+u':
      // As in a shell: everything before the cursor.
      return { text: chars.slice(at).join(''), cursor: 0 };
    case 'ctrl+w': {
      // The word before the cursor, and the spaces after it.
      let from = at;
      while (from > 0 && chars[from - 1] === ' ') from--;
      while (from > 0 && chars[from - 1] !== ' ') from--;
      return { text: [...chars.slice(0, from), ...chars.slice(at)].join(''), cursor: from };
    }
  }
  // A printable character.
  if ([...item.name].length === 1) return insert(item.name);
  return undefined;
}
