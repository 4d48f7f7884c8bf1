import { type Key, useInput, useStdout } from 'ink';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

/* The App's two bits of terminal plumbing: the size it draws for, and the keys it reads. */

export function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = useCallback(
    () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 }),
    [stdout],
  );
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, read]);
  return size;
}

export type KeyHandler = (input: string, key: Key) => void;

/**
 * Keys are handled one per committed render, each by the handler of a render that already shows
 * every earlier key's effect: "t" then "y" typed faster than a frame still confirms, and a
 * fast-typed gateway address loses no character. Assign the returned ref's `current` on every
 * render.
 */
export function useKeyQueue(): { current: KeyHandler } {
  const onKeyRef = useRef<KeyHandler>(() => {});
  const keyQueue = useRef<[string, Key][]>([]);
  const keyBusy = useRef(false);
  const [, bumpKeys] = useState(0);
  const drainKey = useCallback(() => {
    const next = keyQueue.current.shift();
    if (!next) {
      keyBusy.current = false;
      return;
    }
    keyBusy.current = true;
    try {
      onKeyRef.current(next[0], next[1]);
    } finally {
      // Always a new render, even for a key that changed nothing: it drains the next key.
      bumpKeys((n) => n + 1);
    }
  }, []);
  useLayoutEffect(() => {
    if (keyBusy.current) drainKey();
  });
  const onKey = useCallback(
    (input: string, key: Key) => {
      keyQueue.current.push(...splitKeys(input, key));
      if (!keyBusy.current) drainKey();
    },
    [drainKey],
  );
  useInput(onKey);
  return onKeyRef;
}

const SPECIAL: readonly (keyof Key)[] = [
  'upArrow',
  'downArrow',
  'leftArrow',
  'rightArrow',
  'pageDown',
  'pageUp',
  'home',
  'end',
  'return',
  'escape',
  'ctrl',
  'meta',
  'tab',
  'backspace',
  'delete',
];

/**
 * Ink hands over whatever one read() returned as a single input: keys typed faster than the
 * terminal is read, key repeat, or a paste arrive as "jj" or "/dave". Each character is a key
 * press of its own, so none is lost (a multi-character input matches no binding).
 */
export function splitKeys(input: string, key: Key): [string, Key][] {
  const chars = [...input];
  if (chars.length <= 1 || SPECIAL.some((k) => key[k] === true)) return [[input, key]];
  const plain = { ...key, shift: false };
  return chars.map((ch): [string, Key] => {
    if (ch === '\r' || ch === '\n') return ['', { ...plain, return: true }];
    if (ch === '\t') return ['', { ...plain, tab: true }];
    if (ch === '\x7f' || ch === '\b') return ['', { ...plain, backspace: true }];
    return [ch, { ...plain, shift: /[A-Z]/.test(ch) }];
  });
}
