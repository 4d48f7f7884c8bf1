/**
 * One renderer candidate in a process of its own (plain JavaScript, so it runs under any Node
 * binary): swantop's real App (dist/) and store, fed by the bench's scripted daemon, drawn onto
 * a fake 200×50 terminal either by Ink's render() of the `ink` package in INK_DIR (with the
 * options runApp used before the screen host) or by the screen host. For a candidate Ink, `ink`
 * and `react` are resolved from that Ink's own install (a resolve hook), so the App runs on it as
 * a drop-in. Prints READY once the App shows every SA, then after SECONDS a JSON line: CPU,
 * bytes and writes over that window.
 *
 *   node renderer-child.mjs MODE(ink|host) REPO SOCKET SECONDS [INK_ENTRY REACT_BASE]
 */
import { EventEmitter } from 'node:events';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

const [mode, repo, socket, seconds, inkEntry, reactBase] = process.argv.slice(2);

if (inkEntry) {
  const hook = `
    export async function resolve(specifier, context, next) {
      const { inkEntry, reactBase } = globalThis.__swb;
      const fromCandidate = context.parentURL?.startsWith(reactBase);
      if (specifier === 'ink' && !fromCandidate) return { url: inkEntry, shortCircuit: true };
      if ((specifier === 'react' || specifier.startsWith('react/')) && !fromCandidate)
        return next(specifier, { ...context, parentURL: reactBase + 'package.json' });
      return next(specifier, context);
    }
    export async function initialize(data) { globalThis.__swb = data; }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`, {
    data: { inkEntry: pathToFileURL(inkEntry).href, reactBase: pathToFileURL(reactBase).href },
  });
}

const dist = (p) => pathToFileURL(`${repo}/dist/${p}`).href;

class Tty extends EventEmitter {
  isTTY = true;
  columns = 200;
  rows = 50;
  bytes = 0;
  writes = 0;
  write = (s) => {
    this.bytes += Buffer.byteLength(s);
    this.writes++;
    return true;
  };
}
class Stdin extends EventEmitter {
  isTTY = true;
  read = () => null;
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

const { createElement } = await import('react');
const { App } = await import(dist('ui/app.js'));
const { createMonitor } = await import(dist('monitor/monitor.js'));
const monitor = createMonitor({ uri: `unix://${socket}`, host: 'bench' });
const stdout = new Tty();
const opts = { stdout, stdin: new Stdin(), stderr: new Tty(), exitOnCtrlC: false };
let instance;
if (mode === 'host') {
  const { renderScreen } = await import(dist('ui/host/render.js'));
  instance = renderScreen(createElement(App, { monitor }), opts);
} else {
  const { render } = await import('ink');
  instance = render(createElement(App, { monitor }), {
    ...opts,
    patchConsole: false,
    incrementalRendering: true,
    maxFps: 20,
  });
}
monitor.start();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const want = Number(process.env.SWB_SAS);
while (monitor.getSnapshot().ikes.size < want || monitor.getSnapshot().stale) await sleep(100);
await sleep(5000);
process.stdout.write('READY\n');
const c0 = process.cpuUsage();
const b0 = stdout.bytes;
const w0 = stdout.writes;
const t0 = performance.now();
await sleep(Number(seconds) * 1000);
const c = process.cpuUsage(c0);
const wall = (performance.now() - t0) / 1000;
const result = {
  cpuPct: ((c.user + c.system) / 1e6 / wall) * 100,
  bytesPerS: (stdout.bytes - b0) / wall,
  writesPerS: (stdout.writes - w0) / wall,
  node: process.version,
};
instance.unmount();
await monitor.stop();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
