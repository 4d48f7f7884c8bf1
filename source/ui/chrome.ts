import { footerHints, helpSections, type Mode, VIEW_TITLES, VIEWS, type ViewId } from './keymap.js';
import type { Theme } from './theme.js';
import { displayWidth, fitWidth, truncate } from './width.js';

/* The fixed parts around a view: the tab bar, the key bar, the help text. */

export function tabBar(view: ViewId, info: string, theme: Theme, width: number): string {
  let out = '';
  let used = 0;
  VIEWS.forEach((v, i) => {
    const label = ` ${i + 1} ${VIEW_TITLES[v]} `;
    out += theme.paint(label, v === view ? { inverse: true, bold: true } : { dim: true });
    used += label.length;
  });
  const rest = Math.max(0, width - used);
  return out + theme.paint(fitWidth(truncate(`  ${info}`, rest), rest, 'right'), { fg: 'yellow' });
}

/** htop's key bar: each key followed by its label, as many as fit; Quit always shown. */
export function footerLine(mode: Mode, readOnly: boolean, theme: Theme, width: number): string {
  const hints = footerHints(mode, readOnly);
  const quit = hints.find((h) => h.id === 'app.quit');
  const rest = hints.filter((h) => h.id !== 'app.quit');
  const cell = (h: { key: string; label: string }) =>
    theme.paint(h.key, { bold: true }) + theme.paint(h.label, { fg: 'cyan', inverse: true });
  const cellWidth = (h: { key: string; label: string }) => displayWidth(h.key) + h.label.length + 1;
  let budget = width - (quit ? cellWidth(quit) : 0);
  let out = '';
  let used = 0;
  for (const h of rest) {
    if (cellWidth(h) > budget) break;
    out += `${cell(h)} `;
    used += cellWidth(h);
    budget -= cellWidth(h);
  }
  if (quit) {
    out += cell(quit);
    used += cellWidth(quit) - 1;
  }
  return out + ' '.repeat(Math.max(0, width - used));
}

export function helpLines(readOnly: boolean, theme: Theme, width: number): string[] {
  const lines: string[] = [];
  if (readOnly)
    lines.push(
      theme.paint('read-only: actions that change the daemon are disabled', { fg: 'yellow' }),
    );
  for (const s of helpSections(readOnly)) {
    lines.push(theme.paint(s.title, { bold: true, underline: true }));
    for (const l of s.lines) {
      const desc = l.dangerous ? `${l.description} (asks first)` : l.description;
      lines.push(
        `  ${theme.paint(fitWidth(l.keys, 16), { bold: true, fg: 'cyan' })} ${truncate(desc, Math.max(0, width - 19))}`,
      );
    }
  }
  return lines;
}
