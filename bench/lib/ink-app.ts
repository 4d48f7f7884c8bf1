/**
 * swantop's App in this process, drawn by runApp's screen host (source/ui/host: Ink's
 * reconciler and layout, swantop's line writer) onto a fake 200×50 terminal. The console is
 * not held, so the bench's own progress lines still reach the real terminal.
 */
import { createElement } from 'react';
import type { Monitor } from '../../source/monitor/types.js';
import { App } from '../../source/ui/app.js';
import { renderScreen } from '../../source/ui/host/render.js';
import { FakeStderr, FakeStdin, FakeStdout } from './fake-tty.js';

export interface MountedApp {
  stdout: FakeStdout;
  stdin: FakeStdin;
  unmount(): void;
}

export function mountApp(monitor: Monitor, columns = 200, rows = 50): MountedApp {
  const stdout = new FakeStdout(columns, rows);
  const stdin = new FakeStdin();
  const instance = renderScreen(createElement(App, { monitor }), {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: new FakeStderr() as unknown as NodeJS.WriteStream,
    exitOnCtrlC: false,
  });
  return { stdout, stdin, unmount: () => instance.unmount() };
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
