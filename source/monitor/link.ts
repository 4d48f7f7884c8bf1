import { firstLine } from './first-line.js';
import { backoffMs } from './scheduler.js';
import { closeQuietly, type ListenerPort, type SessionPort } from './session-port.js';
import type { DaemonInfo, LinkState } from './types.js';

/*
 * The link to the daemon: its three connections, their generation, reconnecting with backoff,
 * and whether the daemon answers (a stall). It knows nothing of rows or listings: it says
 * when sessions are up (`up`), when nothing it carried can be vouched for any more
 * (`distrust`), and what it went through (`note`).
 */

/** One generation of the link: three connections, opened together, lost together. */
export interface Sessions {
  gen: number;
  /** Listings and stats: these can take seconds at scale. */
  poll: SessionPort;
  /** Events only, so nothing that happens waits behind a listing. */
  events: SessionPort;
  /** A user's terminate or rekey, never held up by either. */
  actions: SessionPort;
  /** Listeners opened on `events`, closed with the link. */
  listeners: ListenerPort[];
}

export interface LinkHooks {
  now(): number;
  /**
   * The sessions are open and the daemon answered `version`. Resolves once the events are
   * registered; the link is then in the hands of the feed and the poller.
   */
  up(s: Sessions): Promise<void> | void;
  /** Lost or stalled: nothing shown so far can be vouched for. */
  distrust(): void;
  note(tone: 'plain' | 'warn' | 'error', text: string): void;
  /** The state changed; `urgent` when the screen must hear at once. */
  changed(urgent: boolean): void;
  /** An outcome for the status line (a stall and its end). */
  status?(level: 'info' | 'error', text: string): void;
}

/** A daemon that accepts but never answers is not live: `version` is the first proof. */
const VERSION_TIMEOUT_MS = 5_000;

export class DaemonLink {
  state: LinkState;
  daemon: DaemonInfo | undefined;
  /** Connected but silent: since its last answer, and why we think so. */
  stalled: { since: number; reason: string } | undefined;

  private gen = 0;
  private current: Sessions | undefined;
  /** Failed attempts since the link was last live. */
  private failures = 0;
  /** The link was live at least once: only then can it be "lost". */
  private hadLink = false;
  private started = false;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Events the sessions of earlier generations could not deliver. */
  private undeliveredBefore = 0;

  constructor(
    private readonly connect: () => Promise<SessionPort>,
    private readonly hooks: LinkHooks,
  ) {
    this.state = { kind: 'connecting', since: hooks.now(), attempt: 1 };
  }

  /** Whether `s` is still the link's current generation. */
  alive(s: Sessions): boolean {
    return s.gen === this.gen && !this.stopped;
  }

  /** The actions connection, when the link is up. */
  actions(): SessionPort | undefined {
    const a = this.current?.actions;
    return a && !a.closed ? a : undefined;
  }

  /** A connection of its own, for a blocking command (its owner closes it). */
  openPrivate(): Promise<SessionPort> {
    return this.connect();
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    void this.open();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.gen++;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const s = this.current;
    this.current = undefined;
    this.state = { kind: 'closed', since: this.hooks.now() };
    if (s) await closeSessions(s);
  }

  /** Events lost on the way (listener overflow, none subscribed): counted, never silent. */
  undelivered(): number {
    return this.undeliveredBefore + (this.current ? undeliveredOf(this.current) : 0);
  }

  private async open(): Promise<void> {
    const gen = ++this.gen;
    const opened: SessionPort[] = [];
    try {
      const results = await Promise.allSettled([this.connect(), this.connect(), this.connect()]);
      for (const r of results) if (r.status === 'fulfilled') opened.push(r.value);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      if (gen !== this.gen) {
        for (const s of opened) void s.close().catch(() => {});
        return;
      }
      const [poll, events, actions] = opened as [SessionPort, SessionPort, SessionPort];
      const s: Sessions = { gen, poll, events, actions, listeners: [] };
      this.current = s;
      for (const c of opened) {
        c.on('close', (err?: Error) =>
          this.lose(gen, err ?? new Error('the daemon closed the connection')),
        );
      }
      const v = await poll.version({ timeoutMs: VERSION_TIMEOUT_MS });
      if (gen !== this.gen) return;
      this.daemon = {
        daemon: v.daemon,
        version: v.version,
        sysname: v.sysname,
        release: v.release,
        machine: v.machine,
      };
      this.failures = 0;
      this.hadLink = true;
      this.stalled = undefined;
      this.state = { kind: 'live', since: this.hooks.now() };
      this.hooks.note('plain', `connected to ${v.daemon ?? 'charon'} ${v.version ?? ''}`.trim());
      this.hooks.changed(true);
      await this.hooks.up(s);
    } catch (err) {
      // Lose first: closing a session fires its 'close' handler at once, which would report
      // "the daemon closed the connection" instead of the real reason (a timeout, bad bytes).
      this.lose(gen, err);
      for (const c of opened) void c.close().catch(() => {});
    }
  }

  /** Generation `gen` failed: close it, distrust what it carried, and retry after a backoff. */
  lose(gen: number, err: unknown): void {
    if (this.stopped || gen !== this.gen) return;
    this.gen++;
    const s = this.current;
    this.current = undefined;
    if (s) {
      this.undeliveredBefore += undeliveredOf(s);
      void closeSessions(s);
    }
    this.stalled = undefined;
    this.hooks.distrust();
    this.failures++;
    const delay = backoffMs(this.failures);
    const reason = firstLine(err);
    const at = this.hooks.now();
    const since = this.state.kind === 'reconnecting' ? this.state.since : at;
    if (this.state.kind !== 'reconnecting' || this.state.reason !== reason) {
      // Before the first answer there was no daemon to lose, only one not reached yet.
      this.hooks.note(
        'error',
        `${this.hadLink ? 'lost the daemon' : 'cannot reach the daemon'}: ${reason}`,
      );
    }
    this.state = {
      kind: 'reconnecting',
      retryAt: at + delay,
      attempt: this.failures + 1,
      reason,
      since,
    };
    this.hooks.changed(true);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped) void this.open();
    }, delay);
  }

  /**
   * The daemon is connected but silent. The stall began at its last answer (`lastAnswerAt`),
   * not when a timeout noticed it: one clock for "has not answered for" and "updated N s ago".
   */
  stall(reason: string, lastAnswerAt: number | undefined): void {
    if (this.stalled || this.stopped) return;
    const at = this.hooks.now();
    const since = lastAnswerAt ?? at;
    this.stalled = { since, reason };
    this.state = { kind: 'stalled', since, reason };
    this.hooks.distrust();
    this.hooks.status?.('error', `the daemon does not answer (${reason}); still trying`);
    this.hooks.note('error', `the daemon does not answer: ${reason}`);
    this.hooks.changed(true);
  }

  /** A stalled daemon answered again. */
  recovered(): void {
    if (!this.stalled || this.stopped) return;
    this.stalled = undefined;
    this.state = { kind: 'live', since: this.hooks.now() };
    this.hooks.status?.('info', 'the daemon answers again');
    this.hooks.note('plain', 'the daemon answers again');
    this.hooks.changed(true);
  }
}

function undeliveredOf(s: Sessions): number {
  const c = s.events.counters;
  return c.undeliveredEvents + c.droppedEvents;
}

async function closeSessions(s: Sessions): Promise<void> {
  // Listeners first, so their unregistrations are queued ahead of the quiet close's last word.
  for (const l of s.listeners) void l.close().catch(() => {});
  await Promise.allSettled([s.poll, s.events, s.actions].map((c) => closeQuietly(c)));
}
