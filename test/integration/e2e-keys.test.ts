/*
 * End to end: keys the operator did not mean must not act. The built swantop in a real
 * terminal (tmux) on moon of the real lab, with scale clients from venus (c1, c2, …); a paste,
 * a burst of keys and Ctrl-C in each prompt, with swanctl as the oracle that nothing was ended.
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  addClients,
  clientId,
  clientName,
  type LabInfo,
  oracleListSas,
  removeClients,
} from '../../lab/lab.js';
import { atRest, frame, saRows, startSwantop, styledLines, type TmuxSession } from './tmux.js';

const lab: LabInfo = inject('lab');
const sessions: TmuxSession[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The scale client the paste tests aim at, as issue 13 did (filter "c7."). */
let client = '';
let clientIdentity = '';

beforeAll(async () => {
  const before = lab.clients;
  await addClients(lab, 8);
  client = clientName(Math.min(before + 7, lab.clients));
  clientIdentity = clientId(Math.min(before + 7, lab.clients));
  await atRest(lab.sockets.moon, 60_000);
});

afterAll(async () => {
  await removeClients(lab);
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.kill()));
});

async function swantop(
  o: {
    width?: number;
    height?: number;
    around?: Parameters<typeof startSwantop>[1]['around'];
  } = {},
): Promise<TmuxSession> {
  const s = await startSwantop(lab.uris.moon, {
    width: o.width ?? 160,
    height: o.height ?? 40,
    around: o.around,
  });
  sessions.push(s);
  await s.waitFor('the first listing (live, with a net-net row)', (screen) =>
    / live · /.test(screen) && saRows(screen).some((r) => r.name === lab.conns.netNet)
      ? screen
      : undefined,
  );
  return s;
}

/** The client's IKE_SAs on moon, by swanctl. */
async function clientSas(): Promise<string[]> {
  return (await oracleListSas(lab.sockets.moon))
    .filter((o) => o.sa['remote-id'] === clientIdentity)
    .map((o) => o.sa.uniqueid as string);
}

/** `/`, the filter typed key by key, Enter; waits for the table to show only that client. */
async function filterToClient(s: TmuxSession): Promise<void> {
  const text = `${client}.`;
  const [id] = await clientSas();
  await s.keys('/');
  await s.waitForText('Enter keeps');
  await s.type(text);
  await s.waitForText(`/${text}▏`);
  await s.keys('Enter');
  await s.waitFor(`only ${client}'s IKE_SA under the filter "${text}"`, (sc) => {
    const ikes = saRows(sc).filter((r) => r.kind === 'ike');
    return !sc.includes('Enter keeps') && ikes.length === 1 && ikes[0]!.id === id ? sc : undefined;
  });
}

describe('a paste acts on nothing', () => {
  it('"try it" pasted (bracketed paste) under the filter: no question, the IKE_SA stays up', async () => {
    const before = await clientSas();
    expect(before).toHaveLength(1);
    const s = await swantop();
    await filterToClient(s);
    await s.paste('try it', { bracketed: true });
    const screen = await s.waitForText('paste ignored: no prompt is open');
    expect(screen).not.toContain('(y/n)');
    await sleep(1500);
    expect(await s.capture()).not.toContain('(y/n)');
    expect(await clientSas()).toEqual(before);
  });

  it('"try it" in one write from a terminal without bracketed paste: t is refused, nothing asked, the IKE_SA stays up', async () => {
    const before = await clientSas();
    expect(before).toHaveLength(1);
    const s = await swantop();
    await filterToClient(s);
    await s.paste('try it', { bracketed: false });
    const screen = await s.waitForText('t ignored: it came in one read with other keys');
    expect(screen).not.toContain('(y/n)');
    await sleep(1500);
    expect(await s.capture()).not.toContain('(y/n)');
    expect(await clientSas()).toEqual(before);
    // t pressed on its own still asks (the paste's space tagged the row: it is named), and n
    // leaves the SA alone.
    await s.keys('t');
    const asked = await s.waitForText('(y/n)');
    expect(asked).toContain(`IKE_SA ${lab.conns.scale}[${before[0]}] (${clientIdentity})`);
    await s.keys('n');
    await s.waitForText('cancelled');
    expect(await clientSas()).toEqual(before);
  });

  it('a paste into the filter prompt is its text', async () => {
    const s = await swantop();
    await s.keys('/');
    await s.waitForText('Enter keeps');
    await s.paste(`${client}.`, { bracketed: true });
    await s.waitFor(`only ${client}'s IKE_SA after pasting its name into the filter`, (sc) => {
      const ikes = saRows(sc).filter((r) => r.kind === 'ike');
      return sc.includes(`/${client}.▏`) && ikes.length === 1 ? sc : undefined;
    });
  });

  it('bracketed paste is off again once swantop has quit (the shell gets plain pastes)', async () => {
    const s = await swantop({
      around: { before: 'before-swantop', after: 'swantop-exited', finally: 'cat -v' },
    });
    await s.keys('q');
    await s.waitForText(/swantop-exited 0/);
    await s.paste('pasted-after', { bracketed: true });
    await s.keys('Enter');
    const after = await s.waitFor('the paste echoed by cat', (sc) =>
      sc.split('\n').filter((l) => l.includes('pasted-after')).length >= 1 ? sc : undefined,
    );
    expect(after, frame(after)).not.toContain('200~');
  });
});

describe('a burst of keys moves or sets the text, and nothing breaks', () => {
  it('60 j, 500 j in one write each, and a 70-character filter in one write', async () => {
    const s = await swantop();
    const rows = saRows(await s.capture());
    expect(rows.length).toBeGreaterThan(10);
    await s.burst('j'.repeat(60));
    // The table is shorter than 60 rows: the selection ends on the last row, and the app lives.
    const last = rows[rows.length - 1]!;
    await s.waitFor(
      `the selection on the last row (${last.kind} ${last.name} #${last.id})`,
      (e) => {
        const sel = saRows(styledLines(e)).find((r) => r.selected);
        return sel?.id === last.id && sel.kind === last.kind ? sel : undefined;
      },
      { escaped: true, timeoutMs: 5_000 },
    );
    await s.burst('k'.repeat(500));
    await s.waitFor(
      'the selection back on the first row',
      (e) => {
        const sel = saRows(styledLines(e)).find((r) => r.selected);
        return sel?.id === rows[0]!.id && sel.kind === rows[0]!.kind ? sel : undefined;
      },
      { escaped: true, timeoutMs: 5_000 },
    );
    const long = 'x'.repeat(70);
    await s.burst(`/${long}`);
    const screen = await s.waitForText(`/${long}▏`);
    expect(screen).toContain(`no SA matches "${long}"`);
    await sleep(1000);
    expect(await s.dead()).toBe(false);
    expect(await s.capture()).toMatch(/ live · /);
  });
});

describe('Ctrl-C cancels a prompt or a question, and quits elsewhere', () => {
  it('in the filter, the y/n question and the redirect prompt; then it quits', async () => {
    const before = await clientSas();
    const s = await swantop({ around: { before: 'before-swantop', after: 'swantop-exited' } });
    await filterToClient(s);

    await s.keys('/');
    await s.waitForText('Enter keeps');
    await s.keys('C-c');
    await s.waitFor('the filter prompt gone, the filter cleared', (sc) =>
      !sc.includes('Enter keeps') && !sc.includes('filter "') ? sc : undefined,
    );
    await filterToClient(s);

    await s.keys('t');
    await s.waitForText('(y/n)');
    await s.keys('C-c');
    await s.waitFor('the question gone', (sc) =>
      !sc.includes('(y/n)') && sc.includes('cancelled') ? sc : undefined,
    );

    await s.keys('d');
    await s.waitForText('Enter sends');
    await s.type('192.0.2.1');
    await s.keys('C-c');
    await s.waitFor('the redirect prompt gone', (sc) =>
      !sc.includes('Redirect IKE_SA') && sc.includes('redirect cancelled') ? sc : undefined,
    );
    expect(await s.dead()).toBe(false);
    expect(await clientSas()).toEqual(before);

    await s.keys('C-c');
    expect(await s.waitForText(/swantop-exited \d+/)).toMatch(/swantop-exited 0\b/);
  });
});
