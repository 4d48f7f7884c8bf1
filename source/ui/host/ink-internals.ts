import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ReactNode } from 'react';

/*
 * The parts of Ink 6 the host is built from, which Ink does not export: its React reconciler
 * (the host config that builds Ink's DOM and Yoga nodes), its DOM's createNode, its top-level
 * <App> component (stdin, raw mode, useInput, useApp, useStdout, focus, the error boundary) and
 * its own renderer, kept for frames the host's fast path does not draw. They are loaded from the
 * files of the `ink` the app imports, so the contexts that useInput and friends read are the
 * ones this <App> provides. The types below are the few members the host uses (Ink 6.8's).
 */

export interface YogaNode {
  getComputedLeft(): number;
  getComputedTop(): number;
  getComputedWidth(): number;
  getComputedHeight(): number;
  getDisplay(): number;
  setWidth(width: number): void;
  setMeasureFunc(measure: (width: number) => { width: number; height: number }): void;
  calculateLayout(width: number | undefined, height: number | undefined, direction: number): void;
}

export interface InkText {
  nodeName: '#text';
  nodeValue: string;
}

export interface InkElement {
  nodeName: 'ink-root' | 'ink-box' | 'ink-text' | 'ink-virtual-text';
  childNodes: (InkElement | InkText)[];
  style: Record<string, unknown>;
  yogaNode?: YogaNode;
  internal_transform?: (text: string, index: number) => string;
  internal_static?: boolean;
  onComputeLayout?: () => void;
  onRender?: () => void;
  onImmediateRender?: () => void;
}

export interface InkAppProps {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  writeToStdout: (data: string) => void;
  writeToStderr: (data: string) => void;
  exitOnCtrlC: boolean;
  onExit: (errorOrResult?: unknown) => void;
  setCursorPosition: (position: unknown) => void;
}

export interface Reconciler {
  createContainer(...args: unknown[]): unknown;
  updateContainerSync(
    element: ReactNode,
    container: unknown,
    parent: null,
    callback: () => void,
  ): void;
  flushSyncWork(): void;
}

const inkDir = dirname(createRequire(import.meta.url).resolve('ink'));
const load = async <T>(file: string): Promise<T> =>
  (await import(pathToFileURL(join(inkDir, file)).href)) as T;

export const reconciler = (await load<{ default: Reconciler }>('reconciler.js')).default;
export const createNode = (
  await load<{ createNode: (name: InkElement['nodeName']) => InkElement }>('dom.js')
).createNode;
export const InkApp = (
  await load<{ default: (props: InkAppProps & { children?: ReactNode }) => ReactNode }>(
    'components/App.js',
  )
).default;
/** Ink's own frame renderer: the whole frame as one string, for layouts the host does not draw. */
export const inkRenderer = (
  await load<{
    default: (root: InkElement, screenReader: boolean) => { output: string };
  }>('renderer.js')
).default;
/** yoga-layout's DIRECTION_LTR and DISPLAY_NONE, as Ink uses them. */
export const Yoga = (
  await import(pathToFileURL(createRequire(join(inkDir, 'ink.js')).resolve('yoga-layout')).href)
).default as { DIRECTION_LTR: number; DISPLAY_NONE: number };
