/**
 * swantop's App in this process, rendered by Ink with the options runApp uses (incremental
 * rendering, 20 fps cap) onto a fake 200×50 terminal. Only patchConsole differs (off), so the
 * bench's own progress lines still reach the real terminal.
 */
import { render } from 'ink';
import { createElement } from 'react';
import type { Monitor } from '../../source/monitor/types.js';
import { App } from '../../source/ui/app.js';
import { FakeStderr, FakeStdin, FakeStdout } from './fake-tty.js';

export interface MountedApp {
  stdout: FakeStdout;
  stdin: FakeStdin;
  unmount(): void;
}

export function mountApp(monitor: Monitor, columns = 200, rows = 50): MountedApp {
  const stdout = new FakeStdout(columns, rows);
  const stdin = new FakeStdin();
  const instance = render(createElement(App, { monitor }), {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: new FakeStderr() as unknown as NodeJS.WriteStream,
    exitOnCtrlC: false,
    patchConsole: false,
    incrementalRendering: true,
    maxFps: 20,
  });
  return {
    stdout,
    stdin,
    unmount: () => {
      instance.unmount();
      instance.cleanup();
    },
  };
}

/** A monitor whose `setVisible` calls are seen: which IKE_SAs the App has on screen. */
export function watchVisible(monitor: Monitor): {
  monitor: Monitor;
  visible: () => readonly string[];
} {
  let visible: readonly string[] = [];
  const wrapped: Monitor = {
    subscribe: monitor.subscribe,
    getSnapshot: monitor.getSnapshot,
    start: () => monitor.start(),
    stop: () => monitor.stop(),
    actions: {
      ...monitor.actions,
      setVisible: (ids) => {
        visible = ids;
        monitor.actions.setVisible(ids);
      },
    },
  };
  return { monitor: wrapped, visible: () => visible };
}
