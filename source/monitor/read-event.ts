import type { ViciSection } from '../vici/message.js';
import {
  type AlertSeverity,
  type ChildSa,
  type IkeSa,
  parseAlertEvent,
  parseChildRekeyEvent,
  parseIkeRekeyEvent,
  parseIkeUpdateEvent,
  parseLogEvent,
  parseUpdownEvent,
} from '../vici/views.js';
import type { NewEntry } from './event-log.js';
import type { RowEvent } from './row-table.js';
import type { EventKind } from './types.js';

/** The events the store listens to; `alert` separately, as 5.9.8 does not know it. */
export const ROW_EVENTS = [
  'ike-updown',
  'child-updown',
  'ike-rekey',
  'child-rekey',
  'ike-update',
] as const;
export const FEED_EVENTS = [...ROW_EVENTS, 'log'] as const;

export interface ReadEvent {
  /** What it does to the rows, if anything. */
  row?: RowEvent;
  entry: NewEntry;
  /** Up, down and rekeys must reach the screen at once; logs can wait for the next batch. */
  urgent: boolean;
}

const ike = (sa: IkeSa) => `${sa.name}[${sa.uniqueid}]`;
const child = (sa: ChildSa) => `${sa.name}{${sa.uniqueid}}`;
const ts = (list: readonly string[]) => list.join(',') || '?';

/** Read one daemon event into a row change and a feed entry. Never throws. */
export function readEvent(type: string, message: ViciSection, at: number): ReadEvent {
  try {
    return readKnown(type, message, at) ?? unreadable(type, at);
  } catch {
    return unreadable(type, at);
  }
}

function readKnown(type: string, message: ViciSection, at: number): ReadEvent | undefined {
  switch (type) {
    case 'log': {
      const log = parseLogEvent(message);
      return {
        urgent: false,
        entry: {
          at,
          kind: 'log',
          level: log.level,
          group: log.group,
          ikeName: log.ikeName,
          ikeUniqueid: log.ikeUniqueid,
          tone: logTone(log.msg),
          text: log.msg,
        },
      };
    }
    case 'ike-updown':
    case 'child-updown': {
      const ev = parseUpdownEvent(message);
      if (!ev) return undefined;
      const sa = ev.ike;
      const where =
        sa.remoteHost !== undefined ? ` ${sa.localHost ?? '?'} <-> ${sa.remoteHost}` : '';
      const line =
        type === 'ike-updown'
          ? `IKE_SA ${ike(sa)} ${ev.up ? 'up' : 'down'}${where}${sa.remoteId ? ` (${sa.remoteId})` : ''}`
          : sa.children
              .map(
                (c) =>
                  `CHILD_SA ${child(c)} ${ev.up ? 'up' : 'down'} in ${ike(sa)}: ${ts(c.localTs)} === ${ts(c.remoteTs)}`,
              )
              .join('; ') || `CHILD_SA ${ev.up ? 'up' : 'down'} in ${ike(sa)}`;
      return {
        urgent: true,
        row: { kind: type, up: ev.up, ike: sa },
        entry: entry(type, at, sa, ev.up ? 'up' : 'down', line),
      };
    }
    case 'ike-rekey': {
      const ev = parseIkeRekeyEvent(message);
      if (!ev) return undefined;
      return {
        urgent: true,
        row: { kind: 'ike-rekey', old: ev.old, new: ev.new },
        entry: entry(type, at, ev.new, 'rekey', `IKE_SA ${ike(ev.old)} rekeyed to ${ike(ev.new)}`),
      };
    }
    case 'child-rekey': {
      const ev = parseChildRekeyEvent(message);
      if (!ev) return undefined;
      const spis = ev.new.spiIn ? ` (SPIs ${ev.new.spiIn}_i ${ev.new.spiOut ?? '?'}_o)` : '';
      return {
        urgent: true,
        row: { kind: 'child-rekey', ike: ev.ike, old: ev.old, new: ev.new },
        entry: entry(
          type,
          at,
          ev.ike,
          'rekey',
          `CHILD_SA ${child(ev.old)} rekeyed to ${child(ev.new)} in ${ike(ev.ike)}${spis}`,
        ),
      };
    }
    case 'ike-update': {
      const ev = parseIkeUpdateEvent(message);
      if (!ev) return undefined;
      const from = `${ev.ike.localHost ?? '?'} <-> ${ev.ike.remoteHost ?? '?'}`;
      const to = `${ev.localHost ?? ev.ike.localHost ?? '?'} <-> ${ev.remoteHost ?? ev.ike.remoteHost ?? '?'}`;
      return {
        urgent: true,
        row: {
          kind: 'ike-update',
          ike: ev.ike,
          localHost: ev.localHost,
          localPort: ev.localPort,
          remoteHost: ev.remoteHost,
          remotePort: ev.remotePort,
        },
        entry: entry(type, at, ev.ike, 'plain', `IKE_SA ${ike(ev.ike)} moved: ${from} -> ${to}`),
      };
    }
    case 'alert': {
      // strongSwan 6.0.3 and later: coloured by how bad it is, at once on the screen.
      const a = parseAlertEvent(message);
      const line = `alert: ${a.type || 'unknown'}`;
      const tone = ALERT_TONE[a.severity];
      return {
        urgent: true,
        entry: a.ike
          ? entry('alert', at, a.ike, tone, line)
          : { at, kind: 'alert', level: 0, tone, text: line },
      };
    }
  }
  return undefined;
}

const ALERT_TONE: Record<AlertSeverity, NewEntry['tone']> = {
  error: 'error',
  warning: 'warn',
  info: 'plain',
};

function entry(
  kind: EventKind,
  at: number,
  sa: IkeSa,
  tone: NewEntry['tone'],
  line: string,
): NewEntry {
  return { at, kind, level: 0, ikeName: sa.name, ikeUniqueid: sa.uniqueid, tone, text: line };
}

function unreadable(type: string, at: number): ReadEvent {
  return {
    urgent: false,
    entry: {
      at,
      kind: 'swantop',
      level: 0,
      tone: 'warn',
      text: `an unreadable "${type}" event from the daemon was skipped`,
    },
  };
}

const TROUBLE = /\b(failed|failure|error|unable|invalid|timeout|timed out|giving up|refused)\b/i;

function logTone(msg: string): NewEntry['tone'] {
  return TROUBLE.test(msg) ? 'warn' : 'plain';
}

/** A line of our own in the feed (link lost, listing slowed down...). */
export function note(at: number, tone: NewEntry['tone'], line: string): NewEntry {
  return { at, kind: 'swantop', level: 0, tone, text: line };
}
