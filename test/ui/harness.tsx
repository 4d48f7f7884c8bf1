import { EventEmitter } from 'node:events';
import { render } from 'ink';
import type {
  ActionResult,
  Monitor,
  MonitorActions,
  MonitorSnapshot,
} from '../../source/monitor/types.js';
import { App } from '../../source/ui/app.js';
import { describeTargets } from '../../source/ui/panes/sas.js';
import { T0 } from './fixtures.js';
import { TtyStdin } from './tty-stdin.js';

/*
 * The UI tests' boundary: a fake Monitor (a settable snapshot and a recording of every action
 * called) and a fake terminal of a chosen size. Everything between them is the real App.
 */

export interface Call {
  action: keyof MonitorActions;
  args: unknown[];
}

export class FakeMonitor implements Monitor {
  calls: Call[] = [];
  result: ActionResult = { ok: true, text: 'done' };
  private listeners = new Set<() => void>();
  constructor(private snap: MonitorSnapshot) {}
  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => {
      this.listeners.delete(l);
    };
  };
  getSnapshot = () => this.snap;
  set(next: MonitorSnapshot): void {
    this.snap = next;
    for (const l of this.listeners) l();
  }
  start(): void {}
  async stop(): Promise<void> {}
  private record<A extends unknown[]>(action: keyof MonitorActions, args: A): void {
    this.calls.push({ action, args });
  }
  /**
   * As the real monitor does: the outcome names the action and its targets, and is published
   * as the snapshot's status (pending while it runs), the screen's one channel for it.
   */
  private said(what: string): ActionResult {
    const r = { ok: this.result.ok, text: `${what}: ${this.result.text}` };
    this.publishStatus(r);
    return r;
  }
  /** Set `now` for the statuses' times (the App's clock in tests is pinned). */
  now = () => T0;
  private publishStatus(r: ActionResult): void {
    this.set({
      ...this.snap,
      status: { at: this.now(), level: r.ok ? 'info' : 'error', text: r.text },
    });
  }
  actions: MonitorActions = {
    rekey: async (t) => {
      this.record('rekey', [t]);
      return this.said(`rekey ${describeTargets(t)}`);
    },
    terminate: async (t) => {
      this.record('terminate', [t]);
      return this.said(`terminate ${describeTargets(t)}`);
    },
    redirect: async (t, g) => {
      this.record('redirect', [t, g]);
      return this.said(`redirect ${describeTargets(t)} to ${g}`);
    },
    initiate: async (c) => {
      this.record('initiate', [c]);
      this.publishStatus(this.result);
      return this.result;
    },
    refreshConns: () => this.record('refreshConns', []),
    setIntervalMs: (ms) => this.record('setIntervalMs', [ms]),
    setVisible: (ids) => this.record('setVisible', [ids]),
    clearProgress: () => this.record('clearProgress', []),
  };
  /** The calls other than the bookkeeping ones (visible rows). */
  actionCalls(): Call[] {
    return this.calls.filter((c) => c.action !== 'setVisible');
  }
}

export class FakeStdout extends EventEmitter {
  frames: string[] = [];
  isTTY = false;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (s: string) => {
    this.frames.push(s);
    return true;
  };
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

export const KEYS = {
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  pageUp: '\x1b[5~',
  pageDown: '\x1b[6~',
  home: '\x1b[H',
  end: '\x1b[F',
  enter: '\r',
  esc: '\x1b',
  tab: '\t',
  backspace: '\x7f',
};

const settle = () => new Promise<void>((r) => setTimeout(r, 5));

/**
 * Every key makes the App render at least once; wait for that frame and then for the output to
 * stay unchanged a little, so a loaded machine cannot make an assertion read an older frame.
 */
async function quiet(stdout: FakeStdout, before: number): Promise<void> {
  const deadline = Date.now() + 2000;
  let seen = before;
  let still = 0;
  while (Date.now() < deadline) {
    await settle();
    const n = stdout.frames.length;
    if (n > before && n === seen) {
      still++;
      if (still >= 2) return;
    } else still = 0;
    seen = n;
  }
}

export interface Screen {
  monitor: FakeMonitor;
  stdout: FakeStdout;
  /** The last frame, with our SGR colour codes removed. */
  frame(): string;
  /** The last frame exactly as written. */
  rawFrame(): string;
  press(...keys: string[]): Promise<void>;
  type(text: string): Promise<void>;
  settle(): Promise<void>;
  /** Resize the terminal and wait for the frame drawn for the new size. */
  resize(columns: number, rows: number): Promise<void>;
  /** Publish a new snapshot and wait for the frame drawn from it. */
  publish(snap: MonitorSnapshot): Promise<void>;
  quitCount(): number;
  unmount(): void;
}

export async function renderApp(
  snap: MonitorSnapshot,
  size: { columns: number; rows: number } = { columns: 80, rows: 24 },
  opts: { noColor?: boolean; now?: number } = {},
): Promise<Screen> {
  const monitor = new FakeMonitor(snap);
  const stdout = new FakeStdout(size.columns, size.rows);
  const stdin = new TtyStdin();
  let quits = 0;
  const inst = render(
    <App
      monitor={monitor}
      noColor={opts.noColor}
      onQuit={() => quits++}
      clock={() => opts.now ?? T0 + 2000}
    />,
    {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      stderr: new FakeStdout(80, 24) as unknown as NodeJS.WriteStream,
      debug: true,
      exitOnCtrlC: false,
      patchConsole: false,
    },
  );
  await settle();
  const raw = () => stdout.frames[stdout.frames.length - 1] ?? '';
  return {
    monitor,
    stdout,
    rawFrame: raw,
    frame: () => raw().replace(/\x1b\[[0-9;]*m/g, ''),
    async press(...keys) {
      for (const k of keys) {
        const before = stdout.frames.length;
        stdin.write(k);
        await quiet(stdout, before);
        // A lone ESC is held by Ink until the event loop turns (it may start a sequence):
        // let it go before the next key, or the two would read as Alt+key.
        if (k === '\x1b') await new Promise<void>((r) => setTimeout(r, 30));
      }
    },
    async type(text) {
      for (const ch of text) {
        const before = stdout.frames.length;
        stdin.write(ch);
        await quiet(stdout, before);
      }
    },
    settle,
    async resize(columns, rows) {
      const before = stdout.frames.length;
      stdout.resize(columns, rows);
      await quiet(stdout, before);
    },
    async publish(next) {
      const before = stdout.frames.length;
      monitor.set(next);
      await quiet(stdout, before);
    },
    quitCount: () => quits,
    unmount: () => inst.unmount(),
  };
}
