/*
 * End to end: the keys that change the daemon (r, t, d), pressed in the built swantop in a
 * real terminal (tmux) on the row the screen shows selected, with swanctl as the oracle of
 * their effect. Every test puts the lab back as it found it (other files share it).
 */
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  childSas,
  type LabInfo,
  type OracleIkeSa,
  oracleListSas,
  type PlainSection,
  swanctl,
} from '../../lab/lab.js';
import {
  atRest,
  footerOf,
  frame,
  type SaRow,
  saRows,
  selectRow,
  startSwantop,
  type TmuxSession,
} from './tmux.js';
import { atLeast } from './vici-lab.js';

const lab: LabInfo = inject('lab');
const sessions: TmuxSession[] = [];

// Compare the screen only with a lab at rest (an earlier file's rekey may still be settling).
beforeEach(async () => {
  await atRest(lab.sockets.moon);
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.kill()));
});

/** swantop on moon, wide enough for every column (SPIs and selectors included). */
async function swantop(args: readonly string[] = []): Promise<TmuxSession> {
  const s = await startSwantop(lab.uris.moon, { width: 200, height: 40, args });
  sessions.push(s);
  await s.waitFor('the first listing (live, with a net-net row)', (screen) =>
    / live · /.test(screen) && saRows(screen).some((r) => r.name === lab.conns.netNet)
      ? screen
      : undefined,
  );
  return s;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the oracle until `probe` gives something; fails naming `what`. */
async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    }
    await sleep(200);
  }
}

const isUp = (sa: PlainSection | undefined) =>
  sa?.state === 'ESTABLISHED' && childSas(sa).some((c) => c.state === 'INSTALLED');

/** A road warrior's IKE_SA on a gateway, by its identity. */
async function roadWarrior(
  gateway: 'moon' | 'sun',
  host: 'carol' | 'dave',
): Promise<OracleIkeSa | undefined> {
  return (await oracleListSas(lab.sockets[gateway])).find(
    (o) => o.name === lab.conns.rw && o.sa['remote-id'] === `${host}.swantop.test`,
  );
}

/**
 * Types a filter as a person does: `/`, look for the prompt, type, look, Enter (which keeps
 * it), look again. Each step waits for the screen, so no two keys arrive in one read.
 */
async function filterTo(s: TmuxSession, text: string): Promise<void> {
  await s.keys('/');
  await s.waitForText('Enter keeps');
  await s.type(text);
  await s.waitForText(`/${text}▏`);
  await s.keys('Enter');
  await s.waitFor(`the filter "${text}" kept`, (sc) =>
    !sc.includes('Enter keeps') && sc.includes(`filter "${text}"`) ? sc : undefined,
  );
}

/** Filters the table to one road warrior and selects its IKE_SA row. */
async function selectRoadWarrior(s: TmuxSession, host: 'carol' | 'dave', uniqueid: string) {
  await filterTo(s, `${host}.swantop.test`);
  await s.waitFor(`the table narrowed to ${host}`, (screen) => {
    const ikes = saRows(screen).filter((r) => r.kind === 'ike');
    return ikes.length === 1 && ikes[0]!.id === uniqueid;
  });
  await s.keys('g');
  return selectRow(s, `${host}'s IKE_SA #${uniqueid}`, (r) => r.kind === 'ike');
}

/** Brings a road warrior back to moon: hang up wherever it is, dial home again. */
async function restoreRoadWarrior(host: 'carol' | 'dave'): Promise<void> {
  if (isUp((await roadWarrior('moon', host))?.sa)) return;
  await swanctl(lab.sockets[host], ['--terminate', '--ike', lab.conns.home, '--force']).catch(
    () => {},
  );
  await swanctl(lab.sockets[host], ['--initiate', '--child', lab.conns.home, '--timeout', '20']);
  await until(`${host} up on moon again`, async () => isUp((await roadWarrior('moon', host))?.sa));
}

describe('r rekeys', () => {
  it('r on the net-net CHILD_SA gives it new SPIs: the screen shows them and swanctl agrees', async () => {
    const [before] = await oracleListSas(lab.sockets.moon, ['--ike', lab.conns.netNet]);
    const oldChild = childSas(before!.sa).find((c) => c.state === 'INSTALLED')!;
    expect(oldChild).toBeDefined();

    const s = await swantop();
    await filterTo(s, lab.conns.netNet);
    await s.keys('g');
    const row = await selectRow(
      s,
      'the net-net CHILD_SA',
      (r) => r.kind === 'child' && r.name === lab.conns.netNet,
    );
    expect(row.id).toBe(oldChild.uniqueid);
    expect(row.spis).toEqual({ in: oldChild['spi-in'], out: oldChild['spi-out'] });

    await s.keys('r');
    // The outcome is said at once, and not as an error (status messages clear after a while).
    const said = await s.waitForText(
      new RegExp(`rekey net-net\\{${oldChild.uniqueid}\\}: \\d+ matched`),
    );
    expect(said).not.toMatch(/rekey net-net[^\n]*(fail|error)/i);
    const newChild = await until('a new INSTALLED net-net CHILD_SA on moon', async () => {
      const [sa] = await oracleListSas(lab.sockets.moon, ['--ike', lab.conns.netNet]);
      return childSas(sa?.sa ?? {}).find(
        (c) => c.state === 'INSTALLED' && c['spi-in'] !== oldChild['spi-in'],
      );
    });
    expect(newChild['spi-out']).not.toBe(oldChild['spi-out']);

    const screen = await s.waitFor('the new SPIs on the net-net CHILD_SA row', (sc) => {
      const child = saRows(sc).find(
        (r) => r.kind === 'child' && r.name === lab.conns.netNet && r.state === 'INSTALLED',
      );
      const shown = child?.spis;
      return shown?.in === newChild['spi-in'] &&
        shown?.out === newChild['spi-out'] &&
        child?.id === newChild.uniqueid
        ? sc
        : undefined;
    });
    expect(screen).not.toMatch(/rekey net-net[^\n]*(fail|error)/i);
    // Once the old CHILD_SA is gone from the daemon it is gone from the screen too.
    await until('the old net-net CHILD_SA gone from moon', async () => {
      const [sa] = await oracleListSas(lab.sockets.moon, ['--ike', lab.conns.netNet]);
      return !childSas(sa?.sa ?? {}).some((c) => c['spi-in'] === oldChild['spi-in']);
    });
    await s.waitFor('the old SPIs gone from the screen', (sc) =>
      !sc.includes(oldChild['spi-in'] as string) ? sc : undefined,
    );
  });
});

describe('t terminates', () => {
  it('t then y on carol’s IKE_SA removes it from moon (swanctl agrees); carol is then restored', async () => {
    const carol = await roadWarrior('moon', 'carol');
    expect(isUp(carol?.sa)).toBe(true);
    const id = carol!.sa.uniqueid as string;
    try {
      const s = await swantop();
      const row = await selectRoadWarrior(s, 'carol', id);
      expect(row.id).toBe(id);

      await s.keys('t');
      const asked = await s.waitForText(/Terminate IKE_SA rw\[\d+\] .*\? \(y\/n\)/);
      // The question names the SA by name, id and the peer's identity.
      expect(asked).toContain(`Terminate IKE_SA rw[${id}] (carol.swantop.test)? (y/n)`);
      // Nothing happens before the answer.
      await sleep(500);
      expect((await roadWarrior('moon', 'carol'))?.sa.uniqueid).toBe(id);

      await s.keys('y');
      await s.waitForText(new RegExp(`terminate rw\\[${id}\\]: \\d+ matched`));
      await until(
        'carol’s IKE_SA gone from moon',
        async () => !(await roadWarrior('moon', 'carol')),
      );
      const after = await s.waitFor('carol’s row gone from the screen', (sc) =>
        !saRows(sc).some((r) => r.id === id && r.kind === 'ike') ? sc : undefined,
      );
      expect(after).toContain('no SA matches "carol.swantop.test"');
    } finally {
      await restoreRoadWarrior('carol');
    }
    expect(isUp((await roadWarrior('moon', 'carol'))?.sa)).toBe(true);
  });

  it('t then n asks and does nothing', async () => {
    const carol = await roadWarrior('moon', 'carol');
    const id = carol!.sa.uniqueid as string;
    const s = await swantop();
    await selectRoadWarrior(s, 'carol', id);
    await s.keys('t');
    await s.waitForText(`Terminate IKE_SA rw[${id}] (carol.swantop.test)? (y/n)`);
    await s.keys('n');
    await s.waitFor('the question gone', (sc) => (!sc.includes('(y/n)') ? sc : undefined));
    await sleep(1000);
    expect((await roadWarrior('moon', 'carol'))?.sa.uniqueid).toBe(id);
    expect(saRows(await s.capture()).find((r) => r.kind === 'ike')?.id).toBe(id);
  });
});

describe('d redirects', () => {
  it('d with sun’s address moves dave to sun (swanctl on sun has him, moon not); dave then comes back', async () => {
    const dave = await roadWarrior('moon', 'dave');
    expect(isUp(dave?.sa)).toBe(true);
    const id = dave!.sa.uniqueid as string;
    try {
      const s = await swantop();
      await selectRoadWarrior(s, 'dave', id);

      await s.keys('d');
      await s.waitForText(new RegExp(`Redirect IKE_SA rw\\[${id}\\] to\\b.*▏`));
      await s.type(lab.addresses.sunIp);
      await s.waitForText(
        new RegExp(`Redirect IKE_SA rw\\[${id}\\] to\\b.* ${lab.addresses.sunIp}▏`),
      );
      await s.keys('Enter');
      await s.waitForText(
        // The outcome: whether the peer followed (the SA went down), not only that it was sent.
        new RegExp(`redirected rw\\[${id}\\] to ${lab.addresses.sunIp}: went down after`),
      );

      // From 6.0.2 dave re-dials with the selectors moon had narrowed, which sun refuses: the
      // IKE_SA moves, its CHILD_SA does not (README, "strongSwan versions").
      const keepsSelectors = atLeast(lab, 'dave', '6.0.2');
      const onSun = await until('dave established with sun', async () => {
        const sa = await roadWarrior('sun', 'dave');
        return isUp(sa?.sa) || (keepsSelectors && sa?.sa.state === 'ESTABLISHED') ? sa : undefined;
      });
      expect(onSun.sa['remote-host']).toBe(lab.addresses.daveIp);
      await until('dave gone from moon', async () => !(await roadWarrior('moon', 'dave')));
      const [own] = await oracleListSas(lab.sockets.dave);
      expect(own?.sa['remote-host']).toBe(lab.addresses.sunIp);

      await s.waitFor('dave’s row gone from moon’s screen', (sc) =>
        !saRows(sc).some((r) => r.kind === 'ike' && r.id === id) ? sc : undefined,
      );
    } finally {
      await restoreRoadWarrior('dave');
    }
    await until('dave gone from sun', async () => !(await roadWarrior('sun', 'dave')));
  });

  it('d refuses a gateway that is not an address or a host name, and sends nothing', async () => {
    const dave = await roadWarrior('moon', 'dave');
    const id = dave!.sa.uniqueid as string;
    const s = await swantop();
    await selectRoadWarrior(s, 'dave', id);
    await s.keys('d');
    await s.waitForText(new RegExp(`Redirect IKE_SA rw\\[${id}\\] to\\b.*▏`));
    await s.type('not a gateway!');
    await s.waitForText('not a gateway!▏');
    await s.keys('Enter');
    // Still asking, with a reason on the same line in place of the hint.
    const asked = await s.waitFor('the prompt to say what is wrong', (sc) => {
      const line = sc.split('\n').find((l) => l.includes('not a gateway!▏'));
      return line && !line.includes('Enter sends') ? line : undefined;
    });
    expect(asked).toMatch(new RegExp(`Redirect IKE_SA rw\\[${id}\\]`));
    expect(asked.slice(asked.indexOf('▏') + 1).trim()).not.toBe('');
    await s.keys('Escape');
    await s.waitFor('the prompt gone', (sc) => (!sc.includes('Redirect IKE_SA') ? sc : undefined));
    expect((await roadWarrior('moon', 'dave'))?.sa.uniqueid).toBe(id);
  });
});

describe('--read-only', () => {
  it('refuses t (no question, nothing sent), and the key bar offers no actions', async () => {
    const carol = await roadWarrior('moon', 'carol');
    expect(isUp(carol?.sa)).toBe(true);
    const id = carol!.sa.uniqueid as string;
    const s = await swantop(['--read-only']);
    const first = await s.capture();
    expect(first).toMatch(/live · .*read-only/);
    const footer = footerOf(first);
    expect(footer, frame(first)).toBeDefined();
    for (const action of ['rRekey', 'tTerm', 'dRedir']) expect(footer).not.toContain(action);
    expect(footer).toContain('?Help');
    expect(footer).toContain('/Filter');

    const row: SaRow = await selectRoadWarrior(s, 'carol', id);
    expect(row.id).toBe(id);
    // At a person's pace, so that each key arrives on its own; each says why it does nothing.
    for (const [key, label] of [
      ['t', 'term'],
      ['y', undefined],
      ['d', 'redir'],
      ['r', 'rekey'],
    ] as const) {
      await s.keys(key);
      if (label) await s.waitForText(`${key} (${label}) is disabled: swantop runs --read-only`);
      else await sleep(500);
      const screen = await s.capture();
      expect(screen, frame(screen)).not.toMatch(/Terminate|Redirect|\(y\/n\)/);
    }
    const screen = await s.capture();
    expect(screen, frame(screen)).not.toMatch(/Terminate|Redirect|\(y\/n\)/);
    const still = await roadWarrior('moon', 'carol');
    expect(still?.sa.uniqueid).toBe(id);
    expect(isUp(still?.sa)).toBe(true);
    expect(childSas(still!.sa).map((c) => c['spi-in'])).toEqual(
      childSas(carol!.sa).map((c) => c['spi-in']),
    );

    // Help says so, and lists no action that would change the daemon.
    await s.keys('?');
    const help = await s.waitForText('Help: every key');
    expect(help).toContain('read-only: actions that change the daemon are disabled');
    expect(help).not.toContain('terminate the selected');
    expect(help).not.toContain('rekey the selected');
    expect(help).not.toContain('redirect the selected');
  });
});
