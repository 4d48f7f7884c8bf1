/**
 * swantop(1), rendered from the same data as --help (source/help.ts) and the in-app help
 * overlay (source/ui/keymap.ts), so the man page cannot say something the program does not.
 */
import { EXAMPLES, FLAGS, type FlagDoc, STANDARD_FLAGS, SUMMARY } from '../source/help.js';
import { helpSections } from '../source/ui/keymap.js';

/** Text as roff shows it literally: backslashes doubled, a leading . or ' neutralised. */
function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1');
}

function flagItem({ flag, value, lines }: FlagDoc): string {
  const head = value ? `\\fB${roff(flag)}\\fR \\fI${roff(value)}\\fR` : `\\fB${roff(flag)}\\fR`;
  // --help wraps its descriptions by hand; man wraps on its own.
  return `.TP\n${head}\n${roff(lines.join(' '))}`;
}

export function manPage(version: string, date: string): string {
  // What --read-only leaves out is what changes the daemon.
  const watchOnly = new Set(helpSections(true).flatMap((s) => s.lines.map((l) => l.id)));
  const keys = helpSections(false).map(
    (section) =>
      `.SS ${roff(section.title)}\n${section.lines
        .map(
          (l) =>
            `.TP\n\\fB${roff(l.keys)}\\fR\n${roff(l.description)}${l.dangerous ? ' (asks first)' : ''}${watchOnly.has(l.id) ? '' : '; not with \\fB\\-\\-read\\-only\\fR'}`,
        )
        .join('\n')}`,
  );
  return [
    `.TH SWANTOP 1 "${date}" "swantop ${version}" "User Commands"`,
    '.SH NAME',
    `swantop \\- ${roff(SUMMARY.replace(/^htop for strongSwan: /, ''))}`,
    '.SH SYNOPSIS',
    '.B swantop',
    '[\\fIoptions\\fR]',
    '.SH DESCRIPTION',
    'swantop is htop for strongSwan: a live, keyboard\\-driven monitor of the IKE daemon',
    '(charon) over its VICI socket. It shows the IKE_SAs with their CHILD_SAs, the loaded',
    "connections and the daemon's log and events, and can rekey, terminate, redirect and",
    'initiate. It follows changes through events and lists in full only as often as the',
    "daemon can afford. Run it as root on the gateway: charon's socket is root\\-only.",
    '.PP',
    'With \\fB\\-\\-once\\fR it prints one snapshot and exits, as a table or as JSON, for',
    'scripts.',
    '.SH OPTIONS',
    ...[...FLAGS, ...STANDARD_FLAGS].map(flagItem),
    '.SH KEYS',
    'The footer lists the keys that work where you are; \\fB?\\fR lists them all.',
    ...keys,
    '.SH ENVIRONMENT',
    '.TP',
    '.B NO_COLOR',
    'when set and not empty, no colours (as \\fB\\-\\-no\\-color\\fR).',
    '.TP',
    '.B SWANTOP_DEBUG',
    'when set, an unexpected error prints its stack trace after the one\\-line message.',
    '.SH FILES',
    '.TP',
    '.I /var/run/charon.vici',
    "charon's VICI socket, the default \\fB\\-\\-uri\\fR.",
    '.SH EXIT STATUS',
    '.TP',
    '.B 0',
    'quit by the user, or \\fB\\-\\-once\\fR printed its snapshot.',
    '.TP',
    '.B 1',
    'the daemon could not be reached or answered with an error (\\fB\\-\\-once\\fR), or an unexpected error.',
    '.TP',
    '.B 2',
    'bad usage: an unknown flag, a bad interval or URI, or no terminal for the monitor.',
    '.SH EXAMPLES',
    ...EXAMPLES.flatMap((e) => ['.PP', '.nf', `\\fB${roff(e)}\\fR`, '.fi']),
    '.SH SEE ALSO',
    '.BR swanctl (8),',
    '.BR charon (8),',
    '.BR htop (1)',
    '',
  ].join('\n');
}
