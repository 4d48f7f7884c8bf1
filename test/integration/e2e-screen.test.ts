/*
 * End to end: the built swantop in a real terminal (tmux) watching moon of the real lab, read
 * back from the screen, with swanctl as the oracle of what the daemon holds. This file only
 * looks (rows, filter, help, sizes, quit); the actions are in e2e-actions.test.ts.
 */
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { childSas, type LabInfo, oracleListSas } from '../../lab/lab.js';
import { BINDINGS, showKey } from '../../source/ui/keymap.js';
import {
  atRest,
  childrenOf,
  footerOf,
  frame,
  saRows,
  startSwantop,
  styledLines,
  type TmuxSession,
} from './tmux.js';

const lab: LabInfo = inject('lab');
const sessions: TmuxSession[] = [];

// Compare the screen only with a lab at rest (an earlier file's rekey may still be settling).
beforeEach(async () => {
  await atRest(lab.sockets.moon);
});

async function swantop(
  width: number,
  height: number,
  extra: Partial<Parameters<typeof startSwantop>[1]> = {},
): Promise<TmuxSession> {
  const s = await startSwantop(lab.uris.moon, { width, height, ...extra });
  sessions.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.kill()));
});

/** Waits for the first listing: the header says live and net-net has a row. */
async function untilListed(s: TmuxSession): Promise<string> {
  return s.waitFor('the first listing (live, with a net-net row)', (screen) => {
    const rows = saRows(screen);
    return / live · /.test(screen) && rows.some((r) => r.name === lab.conns.netNet) && screen;
  });
}

const ikeRowsOf = (screen: string) => saRows(screen).filter((r) => r.kind === 'ike');

describe('the SAs table against the lab', () => {
  it('shows net-net ESTABLISHED with its CHILD_SA INSTALLED, with the ids and SPIs swanctl reports', async () => {
    const [oracle] = await oracleListSas(lab.sockets.moon, ['--ike', lab.conns.netNet]);
    expect(oracle?.sa.state).toBe('ESTABLISHED');
    const child = childSas(oracle!.sa)[0]!;
    expect(child.state).toBe('INSTALLED');

    // Wide enough for the SPI column.
    const s = await swantop(200, 40);
    await untilListed(s);
    const { ike, kids } = await s.waitFor('net-net and its CHILD_SA with SPIs', (screen) => {
      const rows = saRows(screen);
      const ike = rows.find((r) => r.kind === 'ike' && r.name === lab.conns.netNet);
      const kids = ike ? childrenOf(rows, ike) : [];
      return ike && kids.some((k) => k.spis) ? { ike, kids } : undefined;
    });
    expect(ike.id).toBe(oracle!.sa.uniqueid);
    expect(ike.state).toBe('ESTABLISHED');
    expect(ike.text).toContain('sun.swantop.test');
    expect(ike.text).toContain(`${lab.addresses.sunIp}:`);
    expect(kids).toHaveLength(1);
    expect(kids[0]).toMatchObject({
      kind: 'child',
      name: lab.conns.netNet,
      id: child.uniqueid,
      state: 'INSTALLED',
      spis: { in: child['spi-in'], out: child['spi-out'] },
    });
    expect(kids[0]!.text).toContain(`${lab.addresses.moonNet} === ${lab.addresses.sunNet}`);
  });

  it('keeps the rows fresh while live: no row shows an AGE after several intervals', async () => {
    // AGE appears once a row's data is older than 3 intervals (at least 5 s); with the header
    // saying the rows on screen are refreshed every 2 s, it must stay blank.
    const s = await swantop(200, 40, { args: ['--interval', '2'] });
    await untilListed(s);
    await new Promise((r) => setTimeout(r, 10_000));
    for (let i = 0; i < 5; i++) {
      const screen = await s.capture();
      const rows = saRows(screen);
      expect(rows.length).toBeGreaterThan(0);
      expect(screen).toMatch(/ live · updated \d+s ago/);
      for (const r of rows) {
        expect(r.age, `AGE of ${r.kind} ${r.name} #${r.id}\n${frame(screen)}`).toBe('');
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
  });

  it('lists every IKE_SA moon holds, and the header counts them', async () => {
    const s = await swantop(200, 40);
    const screen = await untilListed(s);
    const oracle = await oracleListSas(lab.sockets.moon);
    const ids = ikeRowsOf(screen).map((r) => r.id);
    expect(ids.sort()).toEqual(oracle.map((o) => o.sa.uniqueid).sort());
    expect(screen).toMatch(new RegExp(`IKE_SAs ${oracle.length} `));
    for (const host of ['carol', 'dave'] as const) {
      const o = oracle.find((x) => x.sa['remote-id'] === `${host}.swantop.test`);
      const row = ikeRowsOf(screen).find((r) => r.id === o?.sa.uniqueid);
      expect(row?.text, `${host}'s row`).toContain(`${host}.swantop.test`);
      expect(row?.state).toBe('ESTABLISHED');
    }
  });

  it('/ narrows the rows to those matching, and Esc brings every row back', async () => {
    const s = await swantop(160, 40);
    const all = ikeRowsOf(await untilListed(s));
    expect(all.length).toBeGreaterThanOrEqual(3);
    const oracle = await oracleListSas(lab.sockets.moon);
    const idOf = (host: string) =>
      oracle.find((o) => o.sa['remote-id'] === `${host}.swantop.test`)?.sa.uniqueid;
    expect(idOf('carol')).toBeDefined();
    expect(idOf('dave')).toBeDefined();

    await s.keys('/');
    await s.waitForText('Enter keeps');
    await s.type('carol');
    await s.waitForText('/carol▏');
    const narrowed = await s.waitFor('only carol’s row', (screen) => {
      const rows = ikeRowsOf(screen);
      return rows.length === 1 && rows[0]!.id === idOf('carol') && screen;
    });
    expect(narrowed).toContain('filter "carol"');
    expect(narrowed).toContain('1 shown');

    // Esc while typing clears the filter.
    await s.keys('Escape');
    const back = await s.waitFor('every row back', (screen) => {
      return ikeRowsOf(screen).length === all.length && !screen.includes('filter "') && screen;
    });
    expect(ikeRowsOf(back).map((r) => r.id)).toEqual(all.map((r) => r.id));

    // Enter keeps the filter; Esc afterwards (list.clear) clears it.
    await s.keys('/');
    await s.waitForText('Enter keeps');
    await s.type('dave');
    await s.waitForText('/dave▏');
    await s.keys('Enter');
    const kept = await s.waitFor('the filter kept after Enter', (screen) => {
      const rows = ikeRowsOf(screen);
      return (
        !screen.includes('Enter keeps') &&
        rows.length === 1 &&
        rows[0]!.id === idOf('dave') &&
        screen
      );
    });
    expect(kept).toContain('filter "dave"');
    await s.keys('Escape');
    await s.waitFor('every row back after Esc', (screen) =>
      ikeRowsOf(screen).length === all.length && !screen.includes('filter "') ? screen : undefined,
    );
  });

  it('counts every key of a burst (fast typing, key repeat, a paste): jj moves two rows, /dave filters', async () => {
    const s = await swantop(160, 40);
    await untilListed(s);
    const start = await s.waitFor(
      'a selected row',
      (e) => {
        const rows = saRows(styledLines(e));
        const at = rows.findIndex((r) => r.selected);
        return at >= 0 && rows.length >= at + 3 ? { rows, at } : undefined;
      },
      { escaped: true },
    );
    const target = start.rows[start.at + 2]!;
    await s.burst('jj');
    await s.waitFor(
      `the selection two rows down, on ${target.kind} ${target.name} #${target.id}`,
      (e) => {
        const sel = saRows(styledLines(e)).find((r) => r.selected);
        return sel?.kind === target.kind && sel.id === target.id && sel.name === target.name;
      },
      { escaped: true, timeoutMs: 5_000 },
    );

    const dave = (await oracleListSas(lab.sockets.moon)).find(
      (o) => o.sa['remote-id'] === 'dave.swantop.test',
    );
    await s.burst('/dave');
    await s.waitFor(
      'only dave’s row after "/dave" in one burst',
      (screen) => {
        const rows = ikeRowsOf(screen);
        return rows.length === 1 && rows[0]!.id === dave?.sa.uniqueid;
      },
      { timeoutMs: 5_000 },
    );
  });

  it('? shows help listing every key, and Esc closes it', async () => {
    const s = await swantop(120, 60);
    await untilListed(s);
    await s.keys('?');
    const help = await s.waitForText('Help: every key');
    // Every key of the key table, each on a line that starts with its keys.
    const lines = help.split('\n');
    for (const b of BINDINGS) {
      const line = lines.find((l) => l.includes(b.description));
      expect(line, `help lists "${b.description}"\n${frame(help)}`).toBeDefined();
      expect(line!.trimStart().startsWith(`${b.keys.map(showKey).join(' ')} `)).toBe(true);
    }
    await s.keys('Escape');
    await s.waitFor('the table again', (screen) =>
      !screen.includes('Help: every key') && saRows(screen).length > 0 ? screen : undefined,
    );
  });
});

describe('the terminal', () => {
  it.each([
    ['q', 'q'],
    ['Ctrl-C', 'C-c'],
  ])(
    '%s quits and gives the terminal back: normal screen, cursor visible, exit status 0',
    async (_, key) => {
      const s = await swantop(120, 30, {
        around: { before: 'before-swantop', after: 'swantop-exited' },
      });
      await untilListed(s);
      expect(await s.alternateScreen()).toBe(true);
      expect(await s.cursorVisible()).toBe(false);

      await s.keys(key);
      const after = await s.waitForText(/swantop-exited \d+/);
      expect(after).toMatch(/swantop-exited 0\b/);
      expect(await s.alternateScreen()).toBe(false);
      expect(await s.cursorVisible()).toBe(true);
      // The normal buffer as the shell left it: what came before, and none of swantop's screen.
      expect(after).toContain('before-swantop');
      expect(after).not.toContain('ESTABLISHED');
      expect(after).not.toContain('qQuit');
    },
  );

  it('a bad flag gets one clear line in the terminal, no stack trace, exit status 2', async () => {
    // From a shell that stays, so the pane keeps every byte swantop wrote before it exited.
    const s = await swantop(100, 20, {
      args: ['--interval', 'nonsense'],
      around: { before: 'before-swantop', after: 'swantop-exited' },
    });
    const screen = await s.waitForText(/swantop-exited \d+/);
    const lines = screen.split('\n').map((l) => l.trimEnd());
    const from = lines.indexOf('before-swantop');
    const to = lines.findIndex((l) => /^swantop-exited \d+$/.test(l));
    expect(from, frame(screen)).toBeGreaterThanOrEqual(0);
    expect(lines.slice(from + 1, to), frame(screen)).toEqual([
      expect.stringMatching(/^swantop: --interval .*"nonsense"$/),
    ]);
    expect(lines[to]).toBe('swantop-exited 2');
    expect(await s.alternateScreen()).toBe(false);
  });

  it('is usable at 80×24: header on top, the rows, the key bar at the bottom', async () => {
    const s = await swantop(80, 24);
    const screen = await untilListed(s);
    const lines = screen.split('\n');
    expect(lines.length).toBe(24);
    // The header is the first line, says the link is live, and is the only header there is.
    expect(lines[0], frame(screen)).toMatch(/^swantop charon .* live · /);
    expect(
      lines.filter((l) => l.startsWith('swantop ')),
      frame(screen),
    ).toHaveLength(1);
    expect(lines[1]).toMatch(/^IKE \d+ est \d+/);
    // Every IKE_SA and CHILD_SA moon holds fits (3 + 3 rows in the base lab).
    const oracle = await oracleListSas(lab.sockets.moon);
    const rows = saRows(screen);
    expect(
      rows
        .filter((r) => r.kind === 'ike')
        .map((r) => r.id)
        .sort(),
    ).toEqual(oracle.map((o) => o.sa.uniqueid).sort());
    expect(rows.filter((r) => r.kind === 'child')).toHaveLength(
      oracle.reduce((n, o) => n + childSas(o.sa).length, 0),
    );
    for (const r of rows) expect(r.state).toMatch(/^(ESTABLISHED|INSTALLED)$/);
    // The key bar is on screen, its essentials fit, and nothing runs off the right edge.
    const footer = footerOf(screen);
    expect(footer, frame(screen)).toBeDefined();
    expect(footer).toContain('?Help');
    expect(footer).toContain('qQuit');
    const lastText = lines.map((l) => l.trim()).filter(Boolean);
    expect(lastText[lastText.length - 1]).toBe(footer!.trim());
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
  });

  it('says "terminal too small" below 60×12 and comes back when the window grows', async () => {
    const s = await swantop(80, 24, {
      around: { before: 'before-swantop', after: 'swantop-exited' },
    });
    await untilListed(s);
    await s.resize(50, 10);
    const small = await s.waitForText('terminal too small');
    expect(small).toContain('terminal too small: 50×10');
    expect(small).toContain('at least 60×12');
    expect(saRows(small)).toEqual([]);

    await s.resize(59, 24);
    await s.waitForText('terminal too small: 59×24');
    await s.resize(80, 11);
    await s.waitForText('terminal too small: 80×11');

    await s.resize(80, 24);
    const again = await s.waitFor('the table back at 80×24', (screen) =>
      !screen.includes('terminal too small') && saRows(screen).some((r) => r.name === 'net-net')
        ? screen
        : undefined,
    );
    expect(footerOf(again)).toContain('qQuit');

    // q still quits from the small screen.
    await s.resize(40, 8);
    await s.waitForText('terminal too small');
    await s.keys('q');
    const after = await s.waitForText(/swantop-exited \d+/);
    expect(after).toMatch(/swantop-exited 0\b/);
  });
});
