/**
 * What `swantop --help` says, as data: the one source for the help text, the man page
 * swantop(1) and the bash completion (packaging/ renders those two from this module), so that
 * a flag added here shows up in all three and none of them can drift from the others.
 * A new flag also needs its name in args.ts's KNOWN set and its meow definition in cli.tsx.
 */

export interface FlagDoc {
  /** The long flag as typed, with its dashes: `--uri`. */
  readonly flag: string;
  /** The value it takes, as shown to the user (`URI`); none for a switch. */
  readonly value?: string;
  /**
   * What it does, one line each as --help prints them; the man page joins them into one
   * paragraph. Lines after the first are continuations of the same sentence.
   */
  readonly lines: readonly string[];
  /** For completion: what the value is, when the shell can offer candidates. */
  readonly complete?: 'uri';
}

export const SUMMARY = 'htop for strongSwan: a live terminal monitor of the IKE daemon';

export const USAGE = 'swantop [options]';

export const FLAGS: readonly FlagDoc[] = [
  {
    flag: '--uri',
    value: 'URI',
    lines: [
      "the daemon's vici socket: unix://PATH, tcp://HOST:PORT or a path",
      '(default: unix:///var/run/charon.vici)',
    ],
    complete: 'uri',
  },
  {
    flag: '--interval',
    value: 'SECONDS',
    lines: [
      'how often to refresh, in decimal seconds (default 2, with --exporter 30;',
      '0.5 to 3600)',
    ],
  },
  {
    flag: '--read-only',
    lines: ['watch only: no key can rekey, terminate, redirect or initiate'],
  },
  {
    flag: '--no-color',
    lines: ['no colours (NO_COLOR in the environment does the same)'],
  },
  {
    flag: '--once',
    lines: ['print the SAs once as a table and exit, for scripts'],
  },
  {
    flag: '--json',
    lines: ['with --once: print JSON instead of a table'],
  },
  {
    flag: '--exporter',
    value: 'HOST:PORT',
    lines: [
      'no screen: serve Prometheus metrics at http://HOST:PORT/metrics',
      '(and /healthz); HOST 127.0.0.1 and PORT 9785 unless given',
    ],
  },
  {
    flag: '--exporter-sa-info',
    lines: ['with --exporter: a strongswan_sa_info series per SA (small setups)'],
  },
];

/** Flags every command has; --help prints them on one line without a description. */
export const STANDARD_FLAGS: readonly FlagDoc[] = [
  { flag: '--help', lines: ['print this help and exit'] },
  { flag: '--version', lines: ["print swantop's version and exit"] },
];

export const EXAMPLES: readonly string[] = [
  'swantop',
  'swantop --uri unix:///run/swantop-lab/moon.vici --interval 5',
  'swantop --read-only',
  'swantop --exporter 0.0.0.0:9785',
  `swantop --once --json | jq '.ikeSas[] | select(.state == "ESTABLISHED") | .name'`,
];

/** The column the descriptions start at in --help, counted from the flag's indent. */
const DESCRIPTION_COLUMN = 21;

/** The text meow prints for --help (meow adds the description line from package.json). */
export function helpText(): string {
  const options = FLAGS.flatMap(({ flag, value, lines }) => {
    const head = value ? `${flag} ${value}` : flag;
    const [first = '', ...rest] = lines;
    return [
      `    ${head.padEnd(DESCRIPTION_COLUMN)}${first}`,
      ...rest.map((line) => `    ${' '.repeat(DESCRIPTION_COLUMN)}${line}`),
    ];
  });
  const standard = `    ${STANDARD_FLAGS.map((f) => f.flag).join(', ')}`;
  return [
    '',
    '  Usage',
    `    $ ${USAGE}`,
    '',
    '  Options',
    ...options,
    standard,
    '',
    '  Examples',
    ...EXAMPLES.map((e) => `    $ ${e}`),
    '',
  ].join('\n');
}
