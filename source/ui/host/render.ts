import { createElement, type ReactNode } from 'react';
import { stripSgr } from '../theme.js';
import { displayWidth } from '../width.js';
import {
  createNode,
  InkApp,
  type InkElement,
  type InkText,
  inkRenderer,
  reconciler,
  Yoga,
} from './ink-internals.js';
import { LineWriter, type Row, type Segment } from './line-writer.js';

/*
 * swantop's screen host: Ink's React reconciler, DOM, Yoga layout and <App> (so every frame
 * comes from React components and useInput/useApp/useStdout work as under Ink's render()), with
 * an output stage of our own in place of Ink's. Ink 6 turns each frame into one string by
 * re-tokenizing the ANSI of every line and measuring every character (ansi-tokenize,
 * string-width in its Output), then compares whole frames; at 200×50 that is 30–50 ms of CPU
 * per frame on this project's machine, changed lines or not. Here each <Text> node's laid-out
 * position and text go to a LineWriter, which compares them with the last frame's and writes
 * only the cells that changed, each run after a cursor move from a position it knows (the frame
 * is the whole alternate screen: no "cursor up" counted from the last frame that could drift,
 * and nothing to rewrite through a proxy).
 *
 * The fast path draws <Text> and <Box> layouts whose texts fit or truncate (wrap="truncate*").
 * A frame with a border, a background colour, or text that would wrap is drawn by Ink's own
 * renderer instead (whole lines, still written only where they changed). Ink's CI detection is
 * not involved: it lives in Ink's render() path, which this host does not use.
 */

export interface ScreenOptions {
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
  exitOnCtrlC?: boolean;
}

export interface Screen {
  rerender(node: ReactNode): void;
  /** Unmounts the tree; waitUntilExit settles (rejects if given an error). */
  unmount(error?: unknown): void;
  waitUntilExit(): Promise<unknown>;
  /** Forget what is on the terminal: the next frame clears it and draws everything. */
  clear(): void;
}

/** React's legacy (synchronous) root, as Ink's render() uses by default. */
const LEGACY_ROOT = 0;
const noop = () => {};

export function renderScreen(node: ReactNode, options: ScreenOptions): Screen {
  const { stdout, stdin, stderr } = options;
  const size = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  let { columns, rows } = size();
  const writer = new LineWriter(columns, rows);
  const root = createNode('ink-root');
  let unmounted = false;
  let scheduled = false;
  let settle: { resolve: (v: unknown) => void; reject: (e: unknown) => void } | undefined;
  const exited = new Promise<unknown>((resolve, reject) => {
    settle = { resolve, reject };
  });
  exited.catch(noop);

  const layout = () => {
    measureOwnTexts(root);
    root.yogaNode?.setWidth(columns);
    root.yogaNode?.calculateLayout(undefined, undefined, Yoga.DIRECTION_LTR);
  };
  const flush = () => {
    scheduled = false;
    if (unmounted) return;
    const frame = fastRows(root, rows) ?? inkRows(root, columns);
    const bytes = writer.frame(frame);
    if (bytes !== '') stdout.write(bytes);
  };
  // Commits that land in one turn (a key handler's several state updates) make one frame.
  const schedule = () => {
    if (scheduled || unmounted) return;
    scheduled = true;
    setImmediate(flush);
  };
  root.onComputeLayout = layout;
  root.onRender = schedule;
  root.onImmediateRender = schedule;

  const onResize = () => {
    ({ columns, rows } = size());
    writer.resize(columns, rows);
    layout();
    schedule();
  };
  stdout.on('resize', onResize);

  const container = reconciler.createContainer(
    root,
    LEGACY_ROOT,
    null,
    false,
    null,
    'id',
    noop,
    noop,
    noop,
    noop,
  );
  const unmount = (error?: unknown) => {
    if (unmounted) return;
    reconciler.updateContainerSync(null, container, null, noop);
    reconciler.flushSyncWork();
    unmounted = true;
    stdout.off('resize', onResize);
    if (error instanceof Error) settle?.reject(error);
    else settle?.resolve(error);
  };
  // What a component writes itself (useStdout().write) goes over the frame: draw it again.
  const redrawAfter = (stream: NodeJS.WriteStream) => (data: string) => {
    if (unmounted) return;
    stream.write(data);
    writer.forget();
    schedule();
  };
  const appProps = {
    stdin,
    stdout,
    stderr,
    exitOnCtrlC: options.exitOnCtrlC ?? true,
    writeToStdout: redrawAfter(stdout),
    writeToStderr: redrawAfter(stderr),
    setCursorPosition: noop,
    onExit: unmount,
  };
  const tree = (n: ReactNode) => createElement(InkApp, appProps, n);
  const rerender = (n: ReactNode) => {
    if (unmounted) return;
    reconciler.updateContainerSync(tree(n), container, null, noop);
    reconciler.flushSyncWork();
  };
  rerender(node);
  // The first frame at once, as Ink's render() does: whatever happens next (a signal, a crash
  // in a timer that fires first on a loaded machine) happens to a drawn screen.
  flush();
  return {
    rerender,
    unmount,
    waitUntilExit: () => exited,
    clear: () => {
      writer.forget();
      schedule();
    },
  };
}

const measured = new WeakSet<InkElement>();

/**
 * Yoga asks each <Text> for its size when its text changed. Ink's answer re-tokenizes the ANSI
 * and measures every character again, and caches every text it ever measured in a Map that
 * never shrinks (ink/build/measure-text.js): a screen whose clock ticks adds a few new lines to
 * it every second, for as long as the monitor runs. Truncating texts (all of swantop's) are
 * measured here instead, without a cache; wrapping texts keep Ink's measure, which wraps.
 */
function measureOwnTexts(node: InkElement): void {
  if (node.nodeName === 'ink-text') {
    if (
      node.yogaNode &&
      !measured.has(node) &&
      String(node.style.textWrap ?? '').startsWith('truncate')
    ) {
      measured.add(node);
      node.yogaNode.setMeasureFunc((available) => measureText(textOf(node), available));
    }
    return;
  }
  for (const child of node.childNodes) if (child.nodeName !== '#text') measureOwnTexts(child);
}

/** Cells and lines of a truncating text, cut to `available` cells as truncation will. */
function measureText(text: string, available: number): { width: number; height: number } {
  if (text === '') return { width: 0, height: 0 };
  const lines = text.split('\n');
  let width = 0;
  for (const l of lines) width = Math.max(width, displayWidth(stripSgr(l)));
  return {
    width: Number.isFinite(available) ? Math.min(width, available) : width,
    height: lines.length,
  };
}

/**
 * The screen's rows from the laid-out DOM: each <Text> is a segment at its position, as wide as
 * Yoga laid it out. Undefined when the tree holds something only Ink's renderer draws.
 */
function fastRows(root: InkElement, height: number): Row[] | undefined {
  const rows: Segment[][] = Array.from({ length: height }, () => []);
  return collect(root, 0, 0, rows) ? rows : undefined;
}

function collect(node: InkElement, left: number, top: number, rows: Segment[][]): boolean {
  const yoga = node.yogaNode;
  if (!yoga || node.internal_static) return true;
  if (yoga.getDisplay() === Yoga.DISPLAY_NONE) return true;
  const x = left + yoga.getComputedLeft();
  const y = top + yoga.getComputedTop();
  if (node.nodeName === 'ink-text') {
    const width = Math.floor(yoga.getComputedWidth());
    const wrap = String(node.style.textWrap ?? 'wrap');
    const lines = textOf(node).split('\n');
    if (!wrap.startsWith('truncate') && lines.some((l) => mayExceed(l, width))) return false;
    lines.forEach((line, i) => {
      const text = node.internal_transform ? node.internal_transform(line, i) : line;
      rows[y + i]?.push({ x: Math.floor(x), width, text });
    });
    return true;
  }
  if (node.style.borderStyle !== undefined || node.style.backgroundColor !== undefined) {
    return false;
  }
  for (const child of node.childNodes) {
    if (child.nodeName !== '#text' && !collect(child, x, y, rows)) return false;
  }
  return true;
}

/** The text of an ink-text node and its nested <Text>s, their styles applied. */
function textOf(node: InkElement): string {
  let out = '';
  node.childNodes.forEach((child: InkElement | InkText, index) => {
    if (child.nodeName === '#text') {
      out += child.nodeValue;
      return;
    }
    const inner = textOf(child);
    out +=
      inner !== '' && child.internal_transform ? child.internal_transform(inner, index) : inner;
  });
  return out;
}

/** Whether a line needs more than `width` cells (its SGR sequences take none). */
function mayExceed(line: string, width: number): boolean {
  return displayWidth(stripSgr(line)) > width;
}

/** The frame as Ink's own renderer draws it, one segment per line. */
function inkRows(root: InkElement, columns: number): Row[] {
  return inkRenderer(root, false)
    .output.split('\n')
    .map((text) => [{ x: 0, width: columns, text }]);
}
