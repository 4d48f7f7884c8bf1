import type { MonitorSnapshot, Target } from '../monitor/types.js';
import type { ViewId } from './keymap.js';
import { sanitize } from './sanitize.js';
import type { Theme } from './theme.js';
import { fitWidth, truncate } from './width.js';

/* Pieces of the screen around the views: overlay panes, the progress panel, the status line. */

export type Prompt =
  | { kind: 'filter'; view: ViewId; text: string }
  | { kind: 'redirect'; targets: Target[]; text: string; error?: string };

export interface Confirm {
  question: string;
  run: () => void;
}

export interface Status {
  at: number;
  level: 'info' | 'error';
  text: string;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function describeTargets(ts: readonly Target[]): string {
  if (ts.length === 1) {
    const t = ts[0]!;
    return `${t.kind === 'ike' ? 'IKE_SA' : 'CHILD_SA'} ${sanitize(t.name)} #${sanitize(t.uniqueid)}`;
  }
  return plural(ts.length, 'SA');
}

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

export function statusLine(o: {
  prompt: Prompt | undefined;
  confirm: Confirm | undefined;
  status: Status | undefined;
  snapStatus: MonitorSnapshot['status'];
  theme: Theme;
  width: number;
}): string {
  const { theme: t, width } = o;
  if (o.confirm)
    return t.paint(fitWidth(`${o.confirm.question} (y/n)`, width), { fg: 'yellow', bold: true });
  if (o.prompt?.kind === 'filter')
    return fitWidth(`/${sanitize(o.prompt.text)}▏  Enter keeps · Esc clears`, width);
  if (o.prompt?.kind === 'redirect') {
    const q = `Redirect ${describeTargets(o.prompt.targets)} to: ${sanitize(o.prompt.text)}▏`;
    const err = o.prompt.error ? ` ✗ ${sanitize(o.prompt.error)}` : '  Enter sends · Esc cancels';
    return (
      t.paint(truncate(q, width), { fg: 'yellow', bold: true }) +
      t.paint(fitWidth(err, Math.max(0, width - Math.min(width, q.length))), {
        fg: o.prompt.error ? 'red' : undefined,
      })
    );
  }
  const s = o.snapStatus && (!o.status || o.snapStatus.at > o.status.at) ? o.snapStatus : o.status;
  if (!s) return ' '.repeat(width);
  return t.paint(fitWidth(sanitize(s.text), width), { fg: s.level === 'error' ? 'red' : 'green' });
}
