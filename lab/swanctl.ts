import { LabError } from './errors.js';
import { run } from './exec.js';

/** A VICI message as swanctl prints it: values are text, lists are arrays, sections nest. */
export type PlainValue = string | string[] | PlainSection;
export interface PlainSection {
  [key: string]: PlainValue;
}

/** One message swanctl printed: its label (e.g. `list-sa event`, `stats reply`) and body. */
export interface SwanctlMessage {
  label: string;
  body: PlainSection;
}

/** One IKE_SA from `--list-sas`: the connection name and its fields as swanctl printed them. */
export interface OracleIkeSa {
  name: string;
  sa: PlainSection;
}

const SWANCTL_TIMEOUT_MS = 60_000;

/**
 * Runs swanctl against one daemon's socket and returns its stdout. swanctl is the official
 * VICI client, which makes it the tests' independent oracle for what the daemon holds.
 */
export async function swanctl(socketPath: string, args: readonly string[]): Promise<string> {
  const res = await run('swanctl', [...args, '--uri', `unix://${socketPath}`], {
    timeoutMs: SWANCTL_TIMEOUT_MS,
    allowFailure: true,
  });
  if (res.code !== 0) {
    const why = (res.stderr.trim() || res.stdout.trim()).split('\n').slice(-1)[0];
    throw new LabError(`swanctl ${args.join(' ')} on ${socketPath} failed: ${why}`);
  }
  return res.stdout;
}

/**
 * Runs swanctl in raw mode and parses every message it printed. `--pretty` is used rather
 * than `--raw`: both print the raw VICI tree, but `--raw` puts it on one line where values
 * with spaces (distinguished names) cannot be told apart from the next key.
 */
export async function swanctlRaw(
  socketPath: string,
  args: readonly string[],
): Promise<SwanctlMessage[]> {
  return parsePretty(await swanctl(socketPath, [...args, '--pretty']));
}

/** Every IKE_SA the daemon reports, via `swanctl --list-sas --pretty`. */
export async function oracleListSas(
  socketPath: string,
  filter: readonly string[] = [],
): Promise<OracleIkeSa[]> {
  const messages = await swanctlRaw(socketPath, ['--list-sas', ...filter]);
  const out: OracleIkeSa[] = [];
  for (const m of messages) {
    if (m.label !== 'list-sa event') continue;
    for (const [name, sa] of Object.entries(m.body)) {
      if (typeof sa === 'object' && !Array.isArray(sa)) out.push({ name, sa });
    }
  }
  return out;
}

/** The CHILD_SAs of an IKE_SA as printed by swanctl (empty if it has none). */
export function childSas(sa: PlainSection): PlainSection[] {
  const children = sa['child-sas'];
  if (!children || typeof children !== 'object' || Array.isArray(children)) return [];
  return Object.values(children).filter(
    (c): c is PlainSection => typeof c === 'object' && !Array.isArray(c),
  );
}

/**
 * Parses swanctl's `--pretty` output: `label {` opens a message, `name {` a section,
 * `name = [` a list (one item per line until `]`), `name = value` a value, `}` closes.
 * Unprintable values arrive as `0x...` hex, so a value never spans lines.
 */
export function parsePretty(text: string): SwanctlMessage[] {
  const messages: SwanctlMessage[] = [];
  const stack: PlainSection[] = [];
  let list: string[] | undefined;
  let label = '';
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    if (list) {
      if (line === ']') list = undefined;
      else list.push(line);
      continue;
    }
    const top = stack[stack.length - 1];
    if (line === '}') {
      stack.pop();
      if (stack.length === 0 && top) messages.push({ label, body: top });
      continue;
    }
    if (line.endsWith(' {') && !line.includes(' = ')) {
      const section: PlainSection = {};
      if (top) top[line.slice(0, -2)] = section;
      else label = line.slice(0, -2);
      stack.push(section);
      continue;
    }
    // An empty value prints as `name = ` and loses its trailing space to trim().
    const eq = line.endsWith(' =') ? line.length - 2 : line.indexOf(' = ');
    if (!top || eq < 0) throw new LabError(`unexpected swanctl output line: ${line.slice(0, 80)}`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 3).trimStart();
    if (value === '[') {
      list = [];
      top[key] = list;
    } else {
      top[key] = value;
    }
  }
  return messages;
}
