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
      keyQueue.current.push([input, key]);
      if (!keyBusy.current) drainKey();
    },
    [drainKey],
  );
  useInput(onKey);
  return onKeyRef;
}
