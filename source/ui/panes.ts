import type { MonitorSnapshot } from '../monitor/types.js';
import { sanitize } from './sanitize.js';
import { type Confirm, statusShown, type UiState } from './state.js';
import type { Theme } from './theme.js';
import { displayWidth, fitWidth, truncate } from './width.js';

/* Pieces of the screen around the views: overlay panes, the progress panel, the status line. */

export function pad(lines: string[], height: number, width: number): string[] {
  const out = lines.slice(0, height);
  while (out.length < height) out.push(' '.repeat(width));
  return out;
}

export function pane(
  title: string,
  lines: string[],
  top: number,
  height: number,
  theme: Theme,
  width: number,
): string[] {
  const rows = height - 1;
  const maxTop = Math.max(0, lines.length - rows);
  const t = Math.min(top, maxTop);
  const more =
    lines.length > rows
      ? ` (${t + 1}-${Math.min(lines.length, t + rows)} of ${lines.length}, ↑↓ scroll)`
      : '';
  return [
    theme.paint(fitWidth(` ${title}${more} · Esc closes`, width), {
      bold: true,
      inverse: true,
      fg: 'cyan',
    }),
    ...lines.slice(t, t + rows),
  ];
}

export function progressLines(
  p: NonNullable<MonitorSnapshot['progress']>,
  height: number,
  theme: Theme,
  width: number,
): string[] {
  const state = p.done ? (p.ok ? 'done' : 'FAILED') : 'running…';
  const head = theme.paint(fitWidth(` ${sanitize(p.title)}: ${state} · c closes`, width), {
    inverse: true,
    bold: true,
    fg: p.done ? (p.ok ? 'green' : 'red') : 'yellow',
  });
  const tail = p.lines.slice(-(height - 1)).map((l) => truncate(`  ${sanitize(l)}`, width));
  return [head, ...tail];
}

/** The targets of a question, above the status line that asks it. */
export function confirmLines(c: Confirm, theme: Theme, width: number, max: number): string[] {
  if (c.details.length === 0) return [];
  const lines = c.details.slice(0, max - 1).map((l) => fitWidth(`   ${l}`, width));
  return [
    theme.paint(fitWidth(' these would be affected:', width), { fg: 'yellow', bold: true }),
    ...lines.map((l) => theme.paint(l, { fg: 'yellow' })),
  ];
}

/** Text with the cursor drawn in it. */
function withCursor(text: string, cursor: number): string {
  const chars = [...text];
  return `${sanitize(chars.slice(0, cursor).join(''))}▏${sanitize(chars.slice(cursor).join(''))}`;
}

export function statusLine(o: {
  state: UiState;
  snap: MonitorSnapshot;
  now: number;
  theme: Theme;
  width: number;
}): string {
  const { theme: t, width, state } = o;
  const { confirm, prompt } = state;
  if (confirm)
    return t.paint(fitWidth(`${confirm.question} (y/n)`, width), { fg: 'yellow', bold: true });
  if (prompt?.kind === 'filter')
    return fitWidth(`/${withCursor(prompt.text, prompt.cursor)}  Enter keeps · Esc clears`, width);
  if (prompt?.kind === 'redirect') {
    const q = `Redirect ${describe(prompt.targets)} to: ${withCursor(prompt.text, prompt.cursor)}`;
    const note = prompt.error
      ? ` ✗ ${sanitize(prompt.error)}`
      : prompt.warning
        ? ` ! ${sanitize(prompt.warning)}`
        : '  Enter sends · Esc cancels · a hostname is resolved by the peer';
    const rest = Math.max(0, width - Math.min(width, displayWidth(q)));
    return (
      t.paint(truncate(q, width), { fg: 'yellow', bold: true }) +
      t.paint(fitWidth(note, rest), {
        fg: prompt.error ? 'red' : prompt.warning ? 'yellow' : undefined,
      })
    );
  }
  const s = statusShown(state, o.snap, o.now);
  if (!s) return ' '.repeat(width);
  return t.paint(fitWidth(sanitize(s.text), width), { fg: s.level === 'error' ? 'red' : 'green' });
}

function describe(ts: readonly { name: string; uniqueid: string }[]): string {
  if (ts.length === 1) return `IKE_SA ${sanitize(ts[0]!.name)}[${sanitize(ts[0]!.uniqueid)}]`;
  return `${ts.length} IKE_SAs`;
}
