import { describe, expect, test } from 'vitest';
import { footerLine, helpLines, tabBar } from '../../source/ui/chrome.js';
import { headerLines, linkText, meter } from '../../source/ui/header.js';
import { BINDINGS, VIEWS } from '../../source/ui/keymap.js';
import { createTheme, stripSgr } from '../../source/ui/theme.js';
import { displayWidth } from '../../source/ui/width.js';
import { sampleRows, snapshot, T0 } from './fixtures.js';

const theme = createTheme(false);

describe('footer', () => {
  test('fits every width and always offers Quit', () => {
    for (const w of [60, 80, 120, 200]) {
      for (const mode of [...VIEWS, 'help', 'details', 'sort'] as const) {
        for (const ro of [false, true]) {
          const line = stripSgr(footerLine(mode, ro, theme, w));
          expect(displayWidth(line), `${mode} at ${w}`).toBe(w);
          expect(line).toContain('qQuit');
        }
      }
    }
  });

  test('drops what does not fit rather than wrapping', () => {
    const narrow = stripSgr(footerLine('sas', false, theme, 60));
    const wide = stripSgr(footerLine('sas', false, theme, 200));
    expect(wide).toContain('TabView');
    expect(narrow.length).toBe(60);
    expect(narrow.split('Quit').length).toBe(2);
  });
});

describe('header', () => {
  test('link states read as a user would say them', () => {
    expect(linkText({ kind: 'live', since: T0 }, T0).text).toBe('live');
    expect(
      linkText({ kind: 'reconnecting', retryAt: T0 + 4200, attempt: 3, reason: 'x', since: T0 }, T0)
        .text,
    ).toBe('reconnecting in 5s (attempt 3)');
    expect(linkText({ kind: 'connecting', since: T0, attempt: 1 }, T0).text).toBe(
      'connecting (attempt 1)',
    );
  });

  test('meters fill in proportion and show the numbers', () => {
    const m = stripSgr(meter('Workers', 4, 16, 30, theme));
    // A quarter of the 16 cells left beside the numbers.
    expect(m).toMatch(/^Workers\[\|{4} +4\/16\]$/);
    expect(m.length).toBe(30);
    expect(stripSgr(meter('Workers', 16, 16, 30, theme))).toMatch(/^Workers\[\|{15} 16\/16\]$/);
    expect(stripSgr(meter('Workers', 0, 0, 30, theme))).toMatch(/^Workers\[ +0\/0\]$/);
  });

  test('the first line never exceeds the width; the link state survives truncation', () => {
    for (const w of [60, 80, 200]) {
      const lines = headerLines(
        snapshot(sampleRows(2), { host: 'a-very-long-host-name.example.test'.repeat(3) }),
        {
          now: T0 + 2000,
          width: w,
          theme,
          paused: false,
        },
      );
      expect(displayWidth(stripSgr(lines[0]!))).toBeLessThanOrEqual(w);
      expect(stripSgr(lines[0]!)).toContain('live');
    }
  });
});

describe('help', () => {
  test('at 120 columns every key is described in full (nothing cut short)', () => {
    const help = helpLines(false, theme, 120).map(stripSgr).join('\n');
    for (const b of BINDINGS) expect(help, b.id).toContain(b.description);
  });
});

describe('header figures', () => {
  const unknown = {
    ike: null,
    established: null,
    connecting: null,
    halfOpen: null,
    child: null,
    rateIn: null,
    rateOut: null,
  };
  const opts = { now: T0 + 2000, width: 200, theme, paused: false };

  test('before the first listing the counts are unknown (?), never 0', () => {
    const snap = snapshot([], {
      link: {
        kind: 'reconnecting',
        attempt: 2,
        retryAt: T0 + 3000,
        reason: 'no vici socket',
        since: T0,
      },
      stale: true,
      figures: { ...unknown, stale: true },
    });
    const line = stripSgr(headerLines(snap, opts)[1]!);
    expect(line).toContain('IKE_SAs ?');
    expect(line).toContain('est ?');
    expect(line).toContain('CHILD_SAs ?');
    expect(line).toContain('in - out -');
    expect(line).not.toMatch(/\b0\b/);
  });

  test('while stalled or reconnecting the last counts are marked stale and no rate is shown', () => {
    const rows = sampleRows(2);
    const snap = snapshot(rows, {
      link: { kind: 'stalled', since: T0 - 5000, reason: 'no answer' },
      stale: true,
      figures: {
        ...unknown,
        ike: 2,
        established: 2,
        connecting: 0,
        halfOpen: 0,
        child: 2,
        stale: true,
      },
    });
    const lines = headerLines(snap, opts).map(stripSgr);
    expect(lines[1]).toContain('IKE_SAs 2');
    expect(lines[1]).toContain('in - out -');
    expect(lines[1]).toContain('(stale)');
  });

  test('live figures are shown plainly', () => {
    const snap = snapshot(sampleRows(2), {
      figures: {
        ike: 2,
        established: 2,
        connecting: 0,
        halfOpen: 0,
        child: 2,
        rateIn: 2048,
        rateOut: 1024,
        stale: false,
      },
    });
    const line = stripSgr(headerLines(snap, opts)[1]!);
    expect(line).toContain('IKE_SAs 2');
    expect(line).toContain('in 2.0K/s out 1.0K/s');
    expect(line).not.toContain('stale');
  });
});

describe('tab bar', () => {
  test('names the views and fits the width', () => {
    for (const w of [60, 80, 200]) {
      const line = stripSgr(tabBar('conns', 'filter "x" · 3 tagged', theme, w));
      expect(line).toContain('1 SAs');
      expect(line).toContain('2 Connections');
      expect(line).toContain('3 Events');
      expect(displayWidth(line)).toBe(w);
    }
  });
});
