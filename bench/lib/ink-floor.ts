/**
 * The reference for frame times: Ink alone drawing a frame of the same size. A component shows
 * 49 fixed lines of text (taken from swantop's own screen) and one line changes per update;
 * the time from the change to Ink's write is what any Ink app pays for a frame this size,
 * with the same render options and the same fake terminal.
 */
import { Box, render, Text } from 'ink';
import { createElement, memo, useSyncExternalStore } from 'react';
import { cpuMs, FakeStderr, FakeStdin, FakeStdout } from './fake-tty.js';
import { sleep } from './stats.js';

export interface Timed {
  /** Wall time, ms. */
  wall: number;
  /** This process's CPU time over the same span, ms. */
  cpu: number;
}

interface LinesStore {
  subscribe(l: () => void): () => void;
  get(): string[];
  columns: number;
  rows: number;
}

const Line = memo(function Line({ text }: { text: string }) {
  return createElement(Text, { wrap: 'truncate-end' }, text);
});

function Floor({ store }: { store: LinesStore }) {
  const ls = useSyncExternalStore(store.subscribe, store.get);
  return createElement(
    Box,
    { flexDirection: 'column', width: store.columns, height: store.rows - 1 },
    // Lines are positions on screen: the index is their identity.
    // biome-ignore lint/correctness/useJsxKeyInIterable: the key is in the props object
    ls.map((l, i) => createElement(Line, { key: String(i), text: l })),
  );
}

export async function inkFloorFrames(
  lines: string[],
  samples: number,
  columns = 200,
  rows = 50,
): Promise<Timed[]> {
  let current = lines.slice(0, rows - 1);
  const listeners = new Set<() => void>();
  const store: LinesStore = {
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    get: () => current,
    columns,
    rows,
  };
  const stdout = new FakeStdout(columns, rows);
  const instance = render(createElement(Floor, { store }), {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: new FakeStdin() as unknown as NodeJS.ReadStream,
    stderr: new FakeStderr() as unknown as NodeJS.WriteStream,
    exitOnCtrlC: false,
    patchConsole: false,
    incrementalRendering: true,
    maxFps: 20,
  });
  const times: Timed[] = [];
  try {
    await sleep(200);
    for (let k = 0; k < samples; k++) {
      const i = 5 + (k % Math.max(1, current.length - 6));
      const next = [...current];
      next[i] = `${(next[i] ?? '').slice(0, 20)} changed ${k}`.padEnd(columns - 1, ' ');
      const wait = stdout.nextWrite(1000);
      const t0 = performance.now();
      const c0 = cpuMs();
      current = next;
      for (const l of listeners) l();
      const f = await wait;
      if (f !== undefined) times.push({ wall: f.at - t0, cpu: f.cpu - c0 });
      await sleep(80);
    }
  } finally {
    instance.unmount();
    instance.cleanup();
  }
  return times;
}
