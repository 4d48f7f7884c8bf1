import { useStdin } from 'ink';
import { useEffect, useRef } from 'react';

/*
 * The keyboard as the App reads it: each read of the terminal becomes one batch of key names
 * and pasted text, in order. The batch matters for safety: a confirmation ignores the keys that
 * came in the same read as the key that opened it (a paste without bracketed paste, "try it",
 * must not answer its own "Terminate?"), and a bracketed paste is text, never keys.
 */

/** One thing the operator did: a key press (by name, see keyName) or a paste (its text). */
export type InputItem = { kind: 'key'; name: string } | { kind: 'paste'; text: string };

/** Ask the terminal to mark pastes (xterm's bracketed paste mode), and stop asking. */
export const PASTE_ON = '\x1b[?2004h';
export const PASTE_OFF = '\x1b[?2004l';
const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

/** Longest paste kept: the filter and the gateway prompt need a line, not a file. */
export const MAX_PASTE = 4096;

const SEQUENCES: Record<string, string> = {
  '\x1b[A': 'up',
  '\x1b[B': 'down',
  '\x1b[C': 'right',
  '\x1b[D': 'left',
  '\x1bOA': 'up',
  '\x1bOB': 'down',
  '\x1bOC': 'right',
  '\x1bOD': 'left',
  '\x1b[H': 'home',
  '\x1b[F': 'end',
  '\x1bOH': 'home',
  '\x1bOF': 'end',
  '\x1b[1~': 'home',
  '\x1b[4~': 'end',
  '\x1b[7~': 'home',
  '\x1b[8~': 'end',
  '\x1b[5~': 'pageup',
  '\x1b[6~': 'pagedown',
  '\x1b[3~': 'delete',
  '\x1b[Z': 'shift+tab',
  '\x1b': 'esc',
  '\x1b\x1b': 'esc',
};

/** A lone character as a key name: "j", "G", "space", "enter", "ctrl+c", "backspace". */
export function charName(ch: string): string | undefined {
  if (ch === '\r' || ch === '\n') return 'enter';
  if (ch === '\t') return 'tab';
  if (ch === ' ') return 'space';
  if (ch === '\x7f' || ch === '\b') return 'backspace';
  const code = ch.codePointAt(0)!;
  if (code >= 1 && code <= 26) return `ctrl+${String.fromCharCode(code + 96)}`;
  // Other C0/C1 controls are no key we know.
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return undefined;
  return ch;
}

/** An escape sequence as a key name; modified arrows (ESC[1;5C) count as the plain key. */
export function sequenceName(seq: string): string | undefined {
  const known = SEQUENCES[seq];
  if (known) return known;
  const modified = /^\x1b\[1;\d+([ABCDHF])$/.exec(seq);
  if (modified) return SEQUENCES[`\x1b[${modified[1]}`];
  // ESC then a character: Alt+key. Nothing here is bound to Alt.
  return undefined;
}

/**
 * Turns the terminal's input, as Ink splits it (runs of text, and escape sequences whole),
 * into key presses and pastes. Keeps its state between reads: a paste may span several.
 */
export function createKeyDecoder(): (events: readonly string[]) => InputItem[] {
  let paste: string | undefined;
  return (events) => {
    const out: InputItem[] = [];
    for (const ev of events) {
      if (paste !== undefined) {
        const end = ev.indexOf(PASTE_END);
        if (end < 0) {
          // Escape sequences inside a paste are not keys; only its text is kept.
          if (!ev.startsWith('\x1b') && paste.length < MAX_PASTE) paste += ev;
          continue;
        }
        if (!ev.startsWith('\x1b')) paste += ev.slice(0, end);
        out.push({ kind: 'paste', text: paste.slice(0, MAX_PASTE) });
        paste = undefined;
        continue;
      }
      if (ev === PASTE_START) {
        paste = '';
        continue;
      }
      if (ev.startsWith('\x1b')) {
        const name = sequenceName(ev);
        if (name) out.push({ kind: 'key', name });
        continue;
      }
      for (const ch of ev) {
        const name = charName(ch);
        if (name) out.push({ kind: 'key', name });
      }
    }
    return out;
  };
}

/**
 * Calls `onRead` once per read of the terminal with what it held, in order. Ink splits a read
 * into events and emits them all at once; what arrives before the next microtask is one read.
 */
export function useKeyReads(onRead: (items: InputItem[]) => void): void {
  const { internal_eventEmitter: emitter, setRawMode, isRawModeSupported } = useStdin();
  const handler = useRef(onRead);
  handler.current = onRead;
  useEffect(() => {
    if (!isRawModeSupported) return;
    // A terminal that vanished before the screen came up (the SSH session dropped at once)
    // refuses with EIO: there are no keys left to read, and the SIGHUP that follows ends us.
    const raw = (on: boolean) => {
      try {
        setRawMode(on);
      } catch {
        // see above
      }
    };
    raw(true);
    return () => raw(false);
  }, [setRawMode, isRawModeSupported]);
  useEffect(() => {
    const decode = createKeyDecoder();
    let pending: string[] = [];
    const flush = () => {
      const events = pending;
      pending = [];
      const items = decode(events);
      if (items.length > 0) handler.current(items);
    };
    const onInput = (ev: string) => {
      if (pending.length === 0) queueMicrotask(flush);
      pending.push(ev);
    };
    emitter.on('input', onInput);
    return () => {
      emitter.off('input', onInput);
    };
  }, [emitter]);
}
