import { afterEach, describe, expect, test } from 'vitest';
import type { MonitorSnapshot, Target } from '../../source/monitor/types.js';
import { noColorFromEnv } from '../../source/ui/app.js';
import { BINDINGS } from '../../source/ui/keymap.js';
import { decodeMessage, encodeMessage } from '../../source/vici/message.js';
import { parseListConnEvent, parseStats } from '../../source/vici/views.js';
import {
  childTree,
  conns,
  event,
  ikeRow,
  ikeTree,
  parseIke,
  sampleRows,
  snapshot,
  T0,
} from './fixtures.js';
import { KEYS, renderApp, type Screen } from './harness.js';

let screens: Screen[] = [];
async function open(...args: Parameters<typeof renderApp>): Promise<Screen> {
  const s = await renderApp(...args);
  screens.push(s);
  return s;
}
afterEach(() => {
  for (const s of screens) s.unmount();
  screens = [];
});

const W80 = { columns: 80, rows: 24 };
const W200 = { columns: 200, rows: 50 };

const stats = parseStats(
  decodeMessage(
    encodeMessage({
      uptime: { running: '3 days, 04:05:06', since: 'Nov 26 08:00:00 2026' },
      workers: {
        total: '16',
        idle: '12',
        active: { critical: '1', high: '1', medium: '2', low: '0' },
      },
      queues: { critical: '0', high: '3', medium: '0', low: '1' },
      scheduled: '40',
      ikesas: { total: '30', 'half-open': '0' },
      plugins: ['charon', 'vici'],
    }),
  ),
);

const lines = (s: Screen) => s.frame().split('\n');
const lineWith = (s: Screen, text: string) => lines(s).find((l) => l.includes(text));
/** The raw line (with our SGR) holding `text`. */
const rawLineWith = (s: Screen, text: string) =>
  s
    .rawFrame()
    .split('\n')
    .find((l) => l.replace(/\x1b\[[0-9;]*m/g, '').includes(text));
const selectedName = (s: Screen) => {
  const l = s
    .rawFrame()
    .split('\n')
    .find(
      (x) =>
        x.includes('\x1b[7') &&
        /[-+ ]conn-|[├└]─/.test(x.replace(/\x1b\[[0-9;]*m/g, '')) &&
        !x.includes('NAME'),
    );
  return l
    ?.replace(/\x1b\[[0-9;]*m/g, '')
    .trim()
    .split(/\s+/)[0];
};

describe('screen layout', () => {
  test('header: daemon, version, host, uptime, totals, rates, meters, link and update age', async () => {
    for (const size of [W80, W200]) {
      const s = await open(snapshot(sampleRows(3), { stats }), size);
      const f = s.frame();
      expect(f).toContain('charon 5.9.8');
      expect(f).toContain('moon.lab');
      expect(lines(s)[0]).toContain('live');
      expect(lines(s)[0]).toContain('updated 2s ago');
      expect(f).toMatch(/IKE(_SAs)? 3/);
      expect(f).toMatch(/est 3/);
      expect(f).toMatch(/CHILD(_SAs)? 3/);
      expect(f).toContain('in 2.0K/s');
      expect(f).toMatch(/Workers\[\|+ *4\/16\]/);
      expect(f).toContain('Jobs queued 4');
      if (size === W200) expect(f).toContain('up 3 days, 04:05:06');
      // One frame is exactly the terminal's height less one (Ink redraws in place).
      expect(lines(s).length).toBe(size.rows - 1);
      for (const l of lines(s)) expect(l.length).toBeLessThanOrEqual(size.columns);
    }
  });

  test('IKE_SAs as a tree with their CHILD_SAs, columns by width', async () => {
    const s80 = await open(snapshot(sampleRows(3)), W80);
    // Ids marked as charon marks them: [1] an IKE_SA, {10} a CHILD_SA.
    expect(lineWith(s80, '-conn-1')).toMatch(
      /-conn-1\s+\[1\] ESTABLISHED v2 198\.51\.100\.1:4500 peer1\.example\.test\s+2h00m\s+1h23m/,
    );
    expect(lineWith(s80, '└─net')).toMatch(/└─net\s+\{10\} INSTALLED\s+10m\s+49m/);
    expect(lineWith(s80, 'NAME')).not.toContain('SELECTORS');
    const s200 = await open(snapshot(sampleRows(3)), W200);
    const child = lineWith(s200, '└─net')!;
    expect(child).toContain('c0000010/d0000010');
    expect(child).toContain('10.1.0.0/16 === 10.110');
    const s240 = await open(snapshot(sampleRows(3)), { columns: 240, rows: 30 });
    expect(lineWith(s240, '└─net')).toContain('10.1.0.0/16 === 10.110.0.0/16');
    expect(lineWith(s200, '-conn-2')).toContain('peer2.example.test');
    expect(lineWith(s200, 'NAME')).toMatch(/SELECTORS/);
  });

  test('a stale snapshot is marked: banner and STALE in place of every state', async () => {
    const s = await open(
      snapshot(sampleRows(2), {
        stale: true,
        link: {
          kind: 'reconnecting',
          retryAt: T0 + 5000,
          attempt: 2,
          reason: 'no vici socket at /run/charon.vici',
          since: T0,
        },
      }),
      W80,
    );
    const f = s.frame();
    expect(f).toContain('STALE — rows below are the last values seen, not live');
    expect(f).toContain('reconnecting in 3s (attempt 2)');
    expect(f).not.toContain('ESTABLISHED');
    expect(f).not.toContain('INSTALLED');
    expect(lineWith(s, '-conn-1')).toContain('STALE');
    expect(rawLineWith(s, '└─net')).toContain('\x1b[2m');
  });

  test('a daemon that stopped answering: rows stale, the banner says since when and why', async () => {
    const s = await open(
      snapshot(sampleRows(1), {
        stale: true,
        stalled: { since: T0 - 8000, reason: 'list-sas timed out' },
      }),
      W200,
    );
    expect(s.frame()).toContain('the daemon has not answered for 10s (list-sas timed out)');
    expect(lineWith(s, '-conn-1')).toContain('STALE');
  });

  test('before the first listing: "not live", and no STALE warning about rows that do not exist', async () => {
    const s = await open(
      snapshot([], {
        stale: true,
        lastUpdateAt: undefined,
        link: { kind: 'connecting', since: T0, attempt: 1 },
      }),
      W80,
    );
    expect(s.frame()).toContain('not live: connecting');
    expect(s.frame()).not.toContain('STALE');
    expect(s.frame()).toContain('waiting for the first listing');
    s.monitor.set(
      snapshot([], { stale: true, lastUpdateAt: undefined, link: { kind: 'live', since: T0 } }),
    );
    await s.press('I');
    expect(s.frame()).toContain('connected; waiting for the first listing');
    expect(s.frame()).not.toContain('STALE');
  });

  test('polling slowed down: says so and why', async () => {
    const s = await open(
      snapshot(sampleRows(1), {
        poll: {
          mode: 'budgeted',
          reason: '5,000 SAs: a full listing costs 3.3 s',
          share: 0.09,
          budget: 0.1,
        },
      }),
      W200,
    );
    expect(s.frame()).toContain('polling slowed: 5,000 SAs: a full listing costs 3.3 s');
  });

  test('too small: a plain notice, then the screen again when it grows', async () => {
    const s = await open(snapshot(sampleRows(2)), { columns: 40, rows: 10 });
    expect(s.frame()).toContain('terminal too small: 40×10');
    expect(s.frame()).not.toContain('conn-1');
    await s.resize(80, 24);
    expect(s.frame()).toContain('-conn-1');
    await s.resize(100, 8);
    expect(s.frame()).toContain('terminal too small: 100×8');
  });

  test('the footer lists the keys of the current view', async () => {
    const s = await open(snapshot(sampleRows(2)), W80);
    const footer = lines(s).at(-1)!;
    for (const k of ['?Help', 'rRekey', 'tTerm', 'dRedir', '/Filter', 'qQuit'])
      expect(footer).toContain(k);
    await s.press('3');
    const evFooter = lines(s).at(-1)!;
    expect(evFooter).toContain('lLevel');
    expect(evFooter).toContain('pPause');
    expect(evFooter).not.toContain('rRekey');
  });

  test('help lists every key and what it does', async () => {
    const s = await open(snapshot(sampleRows(2)), W200);
    await s.press('?');
    const f = s.frame();
    for (const b of BINDINGS) expect(f, b.id).toContain(b.description);
    expect(f).toContain(
      'terminate the selected (or tagged) SA, after a y/n confirmation (asks first)',
    );
    await s.press(KEYS.esc);
    expect(s.frame()).not.toContain('Help: every key');
  });

  test('help scrolls at 80×24', async () => {
    const s = await open(snapshot(sampleRows(2)), W80);
    await s.press('?');
    expect(s.frame()).toMatch(/Help: every key \(1-\d+ of \d+/);
    expect(s.frame()).not.toContain('close this pane');
    await s.press('G');
    expect(s.frame()).toContain('close this pane');
  });

  test('read-only: no action keys in footer or help, and they do nothing', async () => {
    const s = await open(snapshot(sampleRows(2), { readOnly: true }), W200);
    const footer = lines(s).at(-1)!;
    expect(footer).not.toContain('Rekey');
    expect(footer).not.toContain('Term');
    expect(lines(s)[0]).toContain('read-only');
    await s.press('r', 't', 'y', 'd');
    expect(s.monitor.actionCalls()).toEqual([]);
    await s.press('?');
    expect(s.frame()).not.toContain('rekey the selected');
    expect(s.frame()).toContain('read-only: actions that change the daemon are disabled');
  });

  test('NO_COLOR: set and not empty means no colour', () => {
    expect(noColorFromEnv({ NO_COLOR: '1' })).toBe(true);
    expect(noColorFromEnv({ NO_COLOR: '' })).toBe(false);
    expect(noColorFromEnv({})).toBe(false);
  });

  test('no colour at all with noColor', async () => {
    const s = await open(snapshot(sampleRows(2)), W80, { noColor: true });
    expect(s.rawFrame()).not.toMatch(/\x1b\[[0-9;]*(3[0-7]|9[0-7])[;m]/);
    const c = await open(snapshot(sampleRows(2)), W80);
    expect(c.rawFrame()).toMatch(/\x1b\[[0-9;]*32m/);
  });
});

describe('hostile daemon strings', () => {
  const evilId = Buffer.concat([
    Buffer.from('peer\x1b[2J\x1b]0;pwned\x07'),
    Buffer.from([0x9b, 0x33, 0x31, 0x6d]), // C1 CSI as a raw byte (invalid UTF-8)
    Buffer.from('\u009b', 'utf8'), // C1 CSI encoded properly
    Buffer.from([0xff, 0xfe]),
    Buffer.from('\u202eevil'),
  ]);
  const evil = (): MonitorSnapshot =>
    snapshot(
      [
        ikeRow(
          parseIke(
            'gw\x1b[31m',
            ikeTree(
              5,
              { 'remote-id': evilId },
              { 'x-50': childTree('c\x07hild', 50, { 'local-ts': ['10.0.0.0/8\x1b[K'] }) },
            ),
          ),
        ),
      ],
      {
        events: {
          entries: [
            event('received \x1b]52;c;Y29weQ==\x07 from \x1b[1;1H peer\u009b2J', { tone: 'warn' }),
          ],
          capacity: 100,
          dropped: 0,
          undelivered: 0,
          total: 1,
        },
        status: { at: T0, level: 'error', text: 'errmsg: \x1b[5mblink' },
      },
    );

  /** Only our own SGR sequences may reach the terminal; nothing else below 0x20 but newlines. */
  const assertClean = (raw: string) => {
    const withoutSgr = raw.replace(/\x1b\[[0-9;]*m/g, '');
    expect(withoutSgr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
  };

  test('in rows, details, events and the status line: escaped, never interpreted', async () => {
    const s = await open(evil(), W200);
    assertClean(s.rawFrame());
    const f = s.frame();
    expect(f).toContain('gw\\x1b[31m');
    expect(f).toContain('peer\\x1b[2J');
    expect(f).toContain('c\\x07hild');
    expect(f).toContain('errmsg: \\x1b[5mblink');
    await s.press(KEYS.enter);
    assertClean(s.rawFrame());
    expect(s.frame()).toContain(
      'remote-id = peer\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m\\x9b\\xff\\xfe\\u{202e}evil',
    );
    await s.press(KEYS.esc, '3');
    assertClean(s.rawFrame());
    expect(s.frame()).toContain('received \\x1b]52;c;Y29weQ==\\x07 from \\x1b[1;1H peer\\x9b2J');
    await s.press('/');
    await s.type('\x1b[2Jx');
    assertClean(s.rawFrame());
  });

  test('in connection names, selectors, their details and the initiate log', async () => {
    const hostileConns = parseListConnEvent(
      decodeMessage(
        encodeMessage({
          'evil\x1b]8;;http://x\x07link': {
            local_addrs: ['192.0.2.1\x1b[6n'],
            remote_addrs: [Buffer.from([0xff, 0x1b, 0x63])],
            version: 'IKEv2',
            'local-1': { class: 'public key\u009b31m' },
            'remote-1': { class: 'EAP' },
            children: {
              'c\x1bP': {
                mode: 'TUNNEL',
                'local-ts': ['10.0.0.0/8\x1b[?1049l'],
                'remote-ts': ['dynamic'],
              },
            },
          },
        }),
      ),
    );
    const s = await open(
      snapshot([], {
        conns: hostileConns,
        progress: {
          title: 'initiate evil\x1b[2J',
          lines: ['[IKE] sending \x1b]0;title\x07 packet', '\u009b2J'],
          done: false,
        },
      }),
      W200,
    );
    await s.press('2');
    assertClean(s.rawFrame());
    expect(s.frame()).toContain('evil\\x1b]8;;http://x\\x07link');
    expect(s.frame()).toContain('[IKE] sending \\x1b]0;title\\x07 packet');
    await s.press(KEYS.enter);
    assertClean(s.rawFrame());
    expect(s.frame()).toContain('remote_addrs = [\\xff\\x1bc]');
  });
});

describe('keys → actions', () => {
  const ike = (n: number): Target => ({ kind: 'ike', uniqueid: String(n), name: `conn-${n}` });

  test('r rekeys the selected IKE_SA, then the selected CHILD_SA; the result shows', async () => {
    const s = await open(snapshot(sampleRows(3)), W80);
    await s.press('r');
    expect(s.monitor.actionCalls()).toEqual([{ action: 'rekey', args: [[ike(1)]] }]);
    expect(lines(s).at(-2)).toContain('rekey conn-1[1]: done');
    // Said once, not "rekey …: rekey …: done".
    expect(lines(s).at(-2)?.match(/rekey/g)).toHaveLength(1);
    await s.press('j', 'r');
    expect(s.monitor.actionCalls()[1]).toEqual({
      action: 'rekey',
      args: [[{ kind: 'child', ikeUniqueid: '1', uniqueid: '10', name: 'net' }]],
    });
  });

  test('a failed action shows its reason', async () => {
    const s = await open(snapshot(sampleRows(1)), W80);
    s.monitor.result = { ok: false, text: 'no CHILD_SA found' };
    await s.press('r');
    expect(lines(s).at(-2)).toContain('rekey conn-1[1]: no CHILD_SA found');
  });

  test('a burst of keys in one read (60 j, 500 j, a 70-character filter) moves or sets the text, and nothing breaks', async () => {
    const s = await open(snapshot(sampleRows(40)), W200);
    await s.press('j'.repeat(60));
    // 60 rows down: conn-31 (each IKE_SA has one CHILD_SA under it).
    expect(selectedName(s)).toBe('-conn-31');
    await s.press('j'.repeat(500));
    expect(selectedName(s)).toBe('└─net');
    expect(lineWith(s, '-conn-40')).toBeDefined();
    await s.press('g', `/${'x'.repeat(70)}`);
    expect(s.frame()).toContain(`/${'x'.repeat(70)}▏`);
    expect(s.frame()).toContain('no SA matches');
    expect(s.monitor.actionCalls()).toEqual([]);
  });

  test('a paste in one read ("try it") answers no question and acts on nothing', async () => {
    const s = await open(snapshot(sampleRows(3)), W80);
    await s.press('try it');
    expect(s.frame()).not.toContain('(y/n)');
    expect(lines(s).at(-2)).toContain('t ignored: it came in one read with other keys');
    await s.press('\x1b[200~try it\x1b[201~');
    expect(lines(s).at(-2)).toContain('paste ignored: no prompt is open');
    expect(s.monitor.actionCalls()).toEqual([]);
  });

  test('t asks first: y terminates, n does not', async () => {
    const s = await open(snapshot(sampleRows(3)), W80);
    await s.press('t');
    expect(s.frame()).toContain('Terminate IKE_SA conn-1[1] (peer1.example.test)? (y/n)');
    expect(s.monitor.actionCalls()).toEqual([]);
    await s.press('n');
    expect(s.monitor.actionCalls()).toEqual([]);
    expect(s.frame()).toContain('cancelled');
    await s.press('t', 'y');
    expect(s.monitor.actionCalls()).toEqual([{ action: 'terminate', args: [[ike(1)]] }]);
  });

  test('tagged rows: one confirmation naming the count, then the action applies to each', async () => {
    const s = await open(snapshot(sampleRows(4)), W80);
    // Tag conn-1 (cursor moves down), skip its child, tag conn-2.
    await s.press(' ', 'j', ' ');
    expect(s.frame()).toContain('2 tagged');
    await s.press('t');
    expect(s.frame()).toContain('Terminate 2 tagged SAs? (y/n)');
    // Above the question, each target by name, id and the peer's identity.
    expect(s.frame()).toContain('these would be affected:');
    expect(s.frame()).toContain('IKE_SA conn-1[1] (peer1.example.test)');
    expect(s.frame()).toContain('IKE_SA conn-2[2] (peer2.example.test)');
    await s.press('y');
    expect(s.monitor.actionCalls()).toEqual([{ action: 'terminate', args: [[ike(1), ike(2)]] }]);
    expect(s.frame()).not.toContain('tagged');
    await s.press(' ', 'j', ' ', 'r');
    expect(s.frame()).toContain('Rekey 2 tagged SAs? (y/n)');
    await s.press('y');
    expect(s.monitor.actionCalls()[1]!.action).toBe('rekey');
  });

  test('d asks for a gateway, refuses a bad one, redirects to a good one', async () => {
    const s = await open(snapshot(sampleRows(2)), W80);
    await s.press('j', 'd'); // on a CHILD_SA: redirects its IKE_SA
    expect(s.frame()).toContain('Redirect IKE_SA conn-1[1] to:');
    await s.type('300.1.2.3');
    await s.press(KEYS.enter);
    expect(s.frame()).toContain('not a valid IPv4 address');
    expect(s.monitor.actionCalls()).toEqual([]);
    await s.press(...Array(9).fill(KEYS.backspace));
    await s.type('192.0.2.99');
    await s.press(KEYS.enter);
    expect(s.monitor.actionCalls()).toEqual([
      { action: 'redirect', args: [[ike(1)], '192.0.2.99'] },
    ]);
    expect(s.frame()).toContain('redirect conn-1[1] to 192.0.2.99: done');
  });

  test('Esc cancels a redirect prompt without sending', async () => {
    const s = await open(snapshot(sampleRows(1)), W80);
    await s.press('d');
    await s.type('gw2.example.test');
    await s.press(KEYS.esc);
    expect(s.monitor.actionCalls()).toEqual([]);
    expect(s.frame()).not.toContain('Redirect');
  });

  test('/ filters as you type (case-insensitive), Esc clears', async () => {
    const s = await open(snapshot(sampleRows(12)), W80);
    await s.press('/');
    await s.type('CONN-1');
    // conn-1, conn-10, conn-11, conn-12
    expect(s.frame()).toContain('4 shown');
    expect(s.frame()).not.toContain('-conn-2 ');
    await s.type('1');
    expect(s.frame()).toContain('1 shown');
    expect(lineWith(s, '-conn-11')).toBeDefined();
    await s.press(KEYS.enter);
    expect(s.frame()).toContain('filter "CONN-11"');
    await s.press(KEYS.esc);
    expect(s.frame()).toContain('12 shown');
  });

  test('s picks the sort column from a list, I inverts it', async () => {
    const s = await open(snapshot(sampleRows(3)), W80);
    const order = () =>
      lines(s)
        .filter((l) => /^ [-+]conn-/.test(l))
        .map((l) => l.trim().split(/\s+/)[0]);
    expect(order()).toEqual(['-conn-1', '-conn-2', '-conn-3']);
    await s.press('I');
    expect(order()).toEqual(['-conn-3', '-conn-2', '-conn-1']);
    expect(s.frame()).toContain('sort ID▼');
    await s.press('s');
    expect(s.frame()).toContain('Sort by');
    for (const title of ['NAME', 'ID ▼', 'STATE', 'REMOTE-ID', 'REKEY', 'IN/s'])
      expect(s.frame()).toContain(title);
    expect(lines(s).at(-1)).toContain('EnterSort');
    await s.press('j', KEYS.enter);
    expect(s.frame()).toContain('sort STATE▲');
    expect(s.frame()).toContain('sorted by STATE');
    // The current column again: descending.
    await s.press('s', KEYS.enter);
    expect(s.frame()).toContain('sort STATE▼');
    // Esc keeps the sort.
    await s.press('s', 'k', 'k', KEYS.esc);
    expect(s.frame()).toContain('sort STATE▼');
    await s.press('s', 'g', KEYS.enter);
    expect(s.frame()).toContain('sort NAME▲');
    expect(order()).toEqual(['-conn-1', '-conn-2', '-conn-3']);
  });

  test('← folds, → unfolds, * folds all', async () => {
    const s = await open(snapshot(sampleRows(3)), W80);
    await s.press(KEYS.left);
    expect(lineWith(s, '+conn-1')).toBeDefined();
    expect(lines(s).filter((l) => l.includes('└─net')).length).toBe(2);
    await s.press(KEYS.right);
    expect(lines(s).filter((l) => l.includes('└─net')).length).toBe(3);
    await s.press('*');
    expect(lines(s).filter((l) => l.includes('└─net')).length).toBe(0);
    await s.press('*');
    expect(lines(s).filter((l) => l.includes('└─net')).length).toBe(3);
  });

  test('navigation: j/k, arrows, G/g, End/Home, PgDn/PgUp; the selection stays on its SA', async () => {
    const s = await open(snapshot(sampleRows(30)), W80);
    expect(selectedName(s)).toBe('-conn-1');
    await s.press('j');
    expect(selectedName(s)).toBe('└─net');
    await s.press(KEYS.down, 'k');
    expect(selectedName(s)).toBe('└─net');
    await s.press('G');
    expect(selectedName(s)).toBe('└─net');
    expect(lineWith(s, '-conn-30')).toBeDefined();
    await s.press('g');
    expect(selectedName(s)).toBe('-conn-1');
    await s.press(KEYS.pageDown);
    expect(lineWith(s, '-conn-1 ')).toBeUndefined();
    await s.press(KEYS.pageUp, KEYS.end, KEYS.home);
    expect(selectedName(s)).toBe('-conn-1');
    // A new snapshot that reorders rows: the selection follows the SA.
    await s.press('j', 'j');
    expect(selectedName(s)).toBe('-conn-2');
    const reordered = sampleRows(30).reverse();
    s.monitor.set(snapshot(reordered));
    await s.press('I', 'I'); // two more frames, same sort
    expect(selectedName(s)).toBe('-conn-2');
  });

  test('the selection follows an IKE_SA through a rekey (new unique id, same lineage)', async () => {
    const rows = sampleRows(3).map((r) => ({ ...r, lineage: r.key }));
    const s = await open(snapshot(rows), W80);
    await s.press('j', 'j');
    expect(selectedName(s)).toBe('-conn-2');
    const sa = parseIke('conn-2', ikeTree(99));
    const rekeyed = { ...ikeRow(sa), lineage: '2' };
    s.monitor.set(snapshot([rows[0]!, rows[2]!, rekeyed]));
    await s.press('I'); // any key: the next frame
    expect(selectedName(s)).toBe('-conn-2');
  });

  test('Enter shows every field of the selected SA; Esc closes', async () => {
    const s = await open(snapshot(sampleRows(2)), W200);
    await s.press('j', KEYS.enter);
    const f = s.frame();
    expect(f).toContain('CHILD_SA net{10} of IKE_SA conn-1[1]');
    for (const field of [
      'spi-in = c0000010',
      'encr-alg = AES_GCM_16',
      'local-ts = [10.1.0.0/16]',
      // As of now, as the row shows it (the listing is 2 s old), the listed value beside it.
      'install-time = 602 (listed 600, 2s ago)',
    ]) {
      expect(f).toContain(field);
    }
    expect(f).toContain('as of the listing 2s ago');
    await s.press(KEYS.esc, 'k', KEYS.enter);
    expect(s.frame()).toContain('IKE_SA conn-1[1]');
    expect(s.frame()).toMatch(/established = 7202 \(listed 7200, 2s ago\)/);
    expect(s.frame()).toContain('initiator-spi = 1122334455667788');
    expect(s.frame()).toContain('child-sas {');
  });

  test('Tab and 1/2/3 switch views; q quits', async () => {
    const s = await open(snapshot(sampleRows(2), { conns: conns() }), W80);
    await s.press(KEYS.tab);
    expect(lineWith(s, 'gw-gw')).toBeDefined();
    await s.press(KEYS.tab);
    expect(s.frame()).toContain('no events yet');
    await s.press('1');
    expect(lineWith(s, '-conn-1')).toBeDefined();
    await s.press('3', '2');
    expect(lineWith(s, 'roadwarrior')).toBeDefined();
    // Each time the Connections view is entered, the list is fetched again.
    expect(s.monitor.actionCalls().filter((c) => c.action === 'refreshConns').length).toBe(2);
    expect(s.quitCount()).toBe(0);
    await s.press('q');
    expect(s.quitCount()).toBe(1);
  });

  test('Ctrl-C quits too', async () => {
    const s = await open(snapshot(sampleRows(1)), W80);
    await s.press('\x03');
    expect(s.quitCount()).toBe(1);
  });

  test('+ lengthens the polling interval, - shortens it', async () => {
    const s = await open(snapshot(sampleRows(1)), W80);
    await s.press('+');
    expect(s.monitor.actionCalls()).toEqual([{ action: 'setIntervalMs', args: [2000] }]);
    expect(s.frame()).toContain('polling every 2s');
    await s.press('-');
    expect(s.monitor.actionCalls()[1]).toEqual({ action: 'setIntervalMs', args: [500] });
  });

  test('the IKE_SAs on screen are reported to the store', async () => {
    const s = await open(snapshot(sampleRows(30)), W80);
    await new Promise((r) => setTimeout(r, 300));
    const vis = s.monitor.calls.filter((c) => c.action === 'setVisible');
    expect(vis.at(-1)!.args[0]).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    await s.press('G');
    await new Promise((r) => setTimeout(r, 300));
    const last = s.monitor.calls.filter((c) => c.action === 'setVisible').at(-1)!
      .args[0] as string[];
    expect(last.at(-1)).toBe('30');
    expect(last).not.toContain('1');
  });
});

describe('connections view', () => {
  test('lists connections with children, selectors, auth and whether an SA is up', async () => {
    const up = ikeRow(parseIke('gw-gw', ikeTree(1, {}, { 'net-1': childTree('net', 1) })));
    const s = await open(snapshot([up], { conns: conns() }), W200);
    await s.press('2');
    expect(lineWith(s, 'gw-gw')).toMatch(
      /gw-gw\s+●1 IKEv2\s+192\.0\.2\.1\s+198\.51\.100\.1\s+pubkey\/pubkey/,
    );
    expect(lineWith(s, '├─net')).toMatch(/●1.*10\.1\.0\.0\/16 === 10\.2\.0\.0\/16/);
    expect(lineWith(s, '└─dmz')).toMatch(/\s-\s.*10\.3\.0\.0\/24 === 10\.4\.0\.0\/24/);
    expect(lineWith(s, 'roadwarrior')).toMatch(
      /roadwarrior\s+-\s+IKEv2\s+%any\s+%any\s+pubkey\/eap/,
    );
  });

  test('i initiates the selected connection or child; progress shows in a panel', async () => {
    const s = await open(snapshot(sampleRows(1), { conns: conns() }), W80);
    await s.press('2', 'i');
    // Looking at the view reloads the list; then the initiate.
    expect(s.monitor.actionCalls()).toEqual([
      { action: 'refreshConns', args: [] },
      { action: 'initiate', args: [[{ conn: 'gw-gw' }]] },
    ]);
    await s.press('j', 'i');
    expect(s.monitor.actionCalls()[2]).toEqual({
      action: 'initiate',
      args: [[{ conn: 'gw-gw', child: 'net' }]],
    });
    await s.publish(
      snapshot(sampleRows(1), {
        conns: conns(),
        progress: {
          title: 'initiate gw-gw',
          lines: ['initiating IKE_SA gw-gw[3] to 198.51.100.1', 'IKE_SA gw-gw[3] established'],
          done: true,
          ok: true,
        },
      }),
    );
    expect(s.frame()).toContain('initiate gw-gw: done');
    expect(s.frame()).toContain('IKE_SA gw-gw[3] established');
    await s.press('c');
    expect(s.monitor.actionCalls().at(-1)).toEqual({ action: 'clearProgress', args: [] });
  });

  test('tagged connections: one confirmation naming the count', async () => {
    const s = await open(snapshot([], { conns: conns() }), W80);
    await s.press('2', ' ', 'j', 'j', ' ', 'i');
    expect(s.frame()).toContain('Initiate 2 tagged connections? (y/n)');
    await s.press('y');
    // Space tags and moves down: gw-gw, then (past net and dmz) roadwarrior.
    expect(s.monitor.actionCalls().filter((c) => c.action === 'initiate')).toEqual([
      { action: 'initiate', args: [[{ conn: 'gw-gw' }, { conn: 'roadwarrior' }]] },
    ]);
  });
});

describe('events view', () => {
  const log = (n: number) => {
    const entries = [];
    for (let i = 0; i < n; i++) {
      entries.push(event(`message ${i}`, { level: i % 5, tone: i % 7 === 0 ? 'error' : 'plain' }));
    }
    entries.push(
      event('IKE_SA gw-gw[1] established', {
        kind: 'ike-updown',
        level: 0,
        tone: 'up',
        ikeName: 'gw-gw',
        ikeUniqueid: '1',
      }),
    );
    return { entries, capacity: 100, dropped: 17, undelivered: 2, total: n + 18 };
  };

  test('follows the tail, shows dropped counts, coloured by tone', async () => {
    const s = await open(snapshot([], { events: log(60) }), W80);
    await s.press('3');
    const f = s.frame();
    expect(f).toContain('dropped 17');
    expect(f).toContain('undelivered 2');
    expect(f).toContain('following');
    expect(lines(s).at(-3)).toContain('gw-gw[1] IKE_SA gw-gw[1] established');
    expect(rawLineWith(s, 'established')).toContain('\x1b[32m');
    expect(f).toContain('message 59');
    expect(f).not.toContain('message 10 ');
  });

  test('scrolls back, End follows again', async () => {
    const s = await open(snapshot([], { events: log(60) }), W80);
    await s.press('3', 'g');
    expect(s.frame()).toContain('message 0');
    expect(s.frame()).toContain('scrolled back');
    await s.press('G');
    expect(s.frame()).toContain('following');
    expect(s.frame()).toContain('message 59');
  });

  test('l cycles the highest level shown', async () => {
    const s = await open(snapshot([], { events: log(20) }), W80);
    await s.press('3', 'l');
    expect(s.frame()).toContain('level ≤ 0');
    expect(s.frame()).toContain('message 15');
    expect(s.frame()).not.toContain('message 16');
    // Non-log events are not filtered by level.
    expect(s.frame()).toContain('established');
    await s.press('l');
    expect(s.frame()).toContain('message 16');
  });

  test('/ filters the feed', async () => {
    const s = await open(snapshot([], { events: log(30) }), W80);
    await s.press('3', '/');
    await s.type('message 2');
    expect(s.frame()).toContain('message 29');
    expect(s.frame()).not.toContain('message 19');
    // Nothing matches: said as the other views say it, not "no events yet".
    await s.type('x');
    expect(s.frame()).toContain('no event matches "message 2x"');
    expect(s.frame()).not.toContain('no events yet');
  });

  test('p pauses the display while the store keeps feeding it', async () => {
    const s = await open(snapshot([], { events: log(5) }), W80);
    await s.press('3', 'p');
    expect(s.frame()).toContain('PAUSED');
    const more = log(5);
    more.entries.push(event('arrived while paused'));
    await s.publish(snapshot([], { events: more }));
    expect(s.frame()).not.toContain('arrived while paused');
    await s.press('p');
    expect(s.frame()).toContain('arrived while paused');
  });
});
