/*
 * Our own SGR painting: a table row is one string (one Ink node) so a frame of 50 rows stays
 * cheap to lay out. Only text that went through sanitize() is ever painted, so the only escape
 * sequences in a frame are the ones written here.
 */

export type Color = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray' | 'white';

export interface Style {
  fg?: Color;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
  underline?: boolean;
}

const FG: Record<Color, number> = {
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  white: 37,
  gray: 90,
};

export interface Theme {
  noColor: boolean;
  paint(text: string, style?: Style): string;
  /** The colour to hand to Ink's <Text color>, or undefined without colour. */
  color(c: Color | undefined): Color | undefined;
}

export function createTheme(noColor: boolean): Theme {
  return {
    noColor,
    paint(text, style) {
      if (!style || text === '') return text;
      const codes: number[] = [];
      if (style.bold) codes.push(1);
      if (style.dim) codes.push(2);
      if (style.underline) codes.push(4);
      if (style.inverse) codes.push(7);
      if (style.fg && !noColor) codes.push(FG[style.fg]);
      if (codes.length === 0) return text;
      return `\x1b[${codes.join(';')}m${text}\x1b[0m`;
    },
    color: (c) => (noColor ? undefined : c),
  };
}

/** Colour of an IKE_SA or CHILD_SA state as the daemon names it. */
export function stateColor(state: string): Color {
  switch (state) {
    case 'ESTABLISHED':
    case 'INSTALLED':
      return 'green';
    case 'CONNECTING':
    case 'CREATED':
    case 'INSTALLING':
    case 'ROUTED':
    case 'PASSIVE':
      return 'yellow';
    case 'REKEYING':
    case 'REKEYED':
    case 'UPDATING':
      return 'cyan';
    case 'DELETING':
    case 'DESTROYING':
    case 'FAILED':
    case 'DELETED':
      return 'red';
    default:
      return 'white';
  }
}

export const TONE_COLOR: Record<string, Color | undefined> = {
  plain: undefined,
  up: 'green',
  down: 'red',
  rekey: 'cyan',
  warn: 'yellow',
  error: 'red',
};

/** Strip our own SGR sequences (tests and width checks). */
export function stripSgr(s: string): string {
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}
