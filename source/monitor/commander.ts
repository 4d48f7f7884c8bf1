import type { LogEvent } from '../vici/views.js';
import { actionReason } from './first-line.js';
import { gatewayIsSelf, gatewayProblem, validGateway } from './gateway.js';
import { closeQuietly, type SessionPort, type StreamPort } from './session-port.js';
import type { ActionResult, ActionStatus, Progress, Target } from './types.js';

/*
 * The one place that sends commands that change the daemon's state. Read-only mode is enforced
 * here, below the UI: a refused action never reaches a session.
 */

export interface CommanderDeps {
  readOnly: boolean;
  /** The actions connection, when the link is up. */
  session(): SessionPort | undefined;
  /** A private connection for one blocking initiate, so it never holds up a terminate. */
  openPrivate?(): Promise<SessionPort>;
  now(): number;
  status(s: ActionStatus): void;
  progress(p: Progress | undefined): void;
  /** List these IKE_SAs again soon: an action changed them. */
  refresh(ikeUniqueids: readonly string[]): void;
  /** The local address of an IKE_SA, as the rows know it (a redirect must not name it). */
  localHost?(ikeUniqueid: string): string | undefined;
  /**
   * Resolves with the time (now()) the IKE_SA was first seen gone from the rows, or undefined
   * if it was still there after `withinMs`.
   */
  whenGone?(ikeUniqueid: string, withinMs: number): Promise<number | undefined>;
  /**
   * The CHILD_SAs named `child` under IKE_SAs of `conn` now (unique ids), so a bulk initiate
   * can tell the one it brings up from these.
   */
  idsOf?(conn: string, child: string): ReadonlySet<string>;
  /**
   * Resolves true once a CHILD_SA `child` not in `known` is INSTALLED under an ESTABLISHED
   * IKE_SA of `conn` (a new IKE_SA, or one that was there), false after `withinMs`.
   */
  whenUp?(
    conn: string,
    child: string,
    known: ReadonlySet<string>,
    withinMs: number,
  ): Promise<boolean>;
}

/** The daemon's own wait for a terminate (ms), and ours on top for an answer at all. */
export const TERMINATE_DAEMON_TIMEOUT_MS = 5_000;
const TERMINATE_CALL_TIMEOUT_MS = 10_000;
const QUICK_CALL_TIMEOUT_MS = 10_000;
/** A blocking initiate is bounded: the daemon gives up waiting (not initiating) after this. */
export const INITIATE_DAEMON_TIMEOUT_MS = 30_000;
const INITIATE_CALL_TIMEOUT_MS = 40_000;
/** Lines of control-log kept for the progress pane. */
const PROGRESS_LINES = 200;
/** How long a redirected IKE_SA is followed: a peer that obeys deletes it within a second or two. */
export const REDIRECT_WATCH_MS = 5_000;
/**
 * Bulk initiates: at most this many non-blocking initiates in flight, each until its IKE_SA
 * is up or INITIATE_SLOT_MS passed (a failure sends no event), so a tag of hundreds does not
 * put every IKE exchange into the daemon at once.
 */
export const INITIATE_WINDOW = 4;
export const INITIATE_SLOT_MS = 5_000;

export { validGateway };

export function describeTarget(t: Target): string {
  return t.kind === 'ike' ? `${t.name}[${t.uniqueid}]` : `${t.name}{${t.uniqueid}}`;
}

function ikeOf(t: Target): string {
  return t.kind === 'ike' ? t.uniqueid : t.ikeUniqueid;
}

function describeAll(targets: readonly Target[]): string {
  if (targets.length === 1) return describeTarget(targets[0]!);
  return `${targets.length} SAs`;
}

const reason = actionReason;

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** `matches` from a typed result object or a raw response section. */
function numberField(result: unknown, key: string): number | undefined {
  if (result instanceof Map) {
    const v = result.get(key);
    const n = Number(Buffer.isBuffer(v) ? v.toString() : v);
    return Number.isFinite(n) ? n : undefined;
  }
  if (result && typeof result === 'object' && key in result) {
    const n = Number((result as Record<string, unknown>)[key]);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export class Commander {
  private blockingInitiates = 0;

  constructor(private readonly deps: CommanderDeps) {}

  async rekey(targets: readonly Target[]): Promise<ActionResult> {
    return this.perTarget('rekey', targets, (s, t) =>
      s.rekey(t.kind === 'ike' ? { 'ike-id': t.uniqueid } : { 'child-id': t.uniqueid }, {
        timeoutMs: QUICK_CALL_TIMEOUT_MS,
      }),
    );
  }

  async terminate(targets: readonly Target[]): Promise<ActionResult> {
    return this.perTarget('terminate', targets, async (s, t) => {
      const stream = s.terminate(
        {
          ...(t.kind === 'ike' ? { 'ike-id': t.uniqueid } : { 'child-id': t.uniqueid }),
          timeout: TERMINATE_DAEMON_TIMEOUT_MS,
        },
        { timeoutMs: TERMINATE_CALL_TIMEOUT_MS },
      );
      for await (const _line of stream) {
        // The control-log of a terminate is not shown; draining it lets the result arrive.
      }
      return stream.result;
    });
  }

  async redirect(targets: readonly Target[], gateway: string): Promise<ActionResult> {
    const refused = this.refuse('redirect', targets);
    if (refused) return refused;
    const problem = gatewayProblem(gateway);
    if (problem) {
      return this.finish({
        ok: false,
        text: `redirect not sent: "${gateway}" is not an IP address or a host name (${problem})`,
      });
    }
    const gw = gateway.trim();
    // Redirect acts on IKE_SAs; a selected CHILD_SA stands for its IKE_SA.
    const seen = new Set<string>();
    const ikes: Target[] = [];
    for (const t of targets) {
      const id = ikeOf(t);
      if (seen.has(id)) continue;
      seen.add(id);
      ikes.push(t.kind === 'ike' ? t : { kind: 'ike', uniqueid: id, name: t.name });
    }
    for (const t of ikes) {
      const self = gatewayIsSelf(gw, [this.deps.localHost?.(t.uniqueid)]);
      if (self) return this.finish({ ok: false, text: `redirect not sent: ${self}` });
    }
    const what = `redirect ${describeAll(ikes)} to ${gw}`;
    // The peer may obey before the daemon's answer is back: count from the moment we asked.
    const sentAt = this.deps.now();
    this.pending(what);
    const sent = await this.send(ikes, (s, t) =>
      s.redirect({ 'ike-id': t.uniqueid, gateway: gw }, { timeoutMs: QUICK_CALL_TIMEOUT_MS }),
    );
    const failed = this.failure(what, ikes, sent);
    if (failed) return this.finish(failed);
    const whenGone = this.deps.whenGone;
    if (!whenGone) return this.finish({ ok: true, text: `${what}: ${sent.matches} matched` });
    // "matched" only says the daemon sent the request: whether the peer obeyed shows when
    // the IKE_SA goes down.
    this.status({ ok: true, text: `${what}: sent, watching whether it goes down` });
    const outcomes = await Promise.all(ikes.map((t) => whenGone(t.uniqueid, REDIRECT_WATCH_MS)));
    const down = outcomes.filter((at): at is number => at !== undefined).map((at) => at - sentAt);
    const slowest = Math.max(0, ...down);
    const verb = `redirected ${describeAll(ikes)} to ${gw}`;
    if (down.length === ikes.length) {
      const when = ikes.length === 1 ? `after ${seconds(slowest)}` : `within ${seconds(slowest)}`;
      return this.finish({
        ok: true,
        text: `${verb}: ${ikes.length === 1 ? '' : 'all '}went down ${when}`,
      });
    }
    const up = ikes.length - down.length;
    const limit = `${REDIRECT_WATCH_MS / 1000} s`;
    const text =
      ikes.length === 1
        ? `${what}: still up after ${limit} (the peer did not follow)`
        : `${what}: ${down.length} went down, ${up} still up after ${limit}`;
    return this.finish({ ok: false, text });
  }

  async initiate(conns: readonly { conn: string; child?: string }[]): Promise<ActionResult> {
    if (this.deps.readOnly) return this.finish(readOnlyRefusal('initiate'));
    if (conns.length === 0) return this.finish({ ok: false, text: 'initiate: nothing selected' });
    const session = this.deps.session();
    if (!session) return this.finish(notConnected('initiate'));
    if (conns.length === 1 && this.blockingInitiates === 0) return this.initiateOne(conns[0]!);
    return this.initiateMany(session, conns);
  }

  /**
   * Several at once: each initiate is non-blocking (timeout -1: the outcome arrives as events),
   * and at most INITIATE_WINDOW are in flight. Blocking ones in parallel would tie up the
   * daemon's worker threads (lab notes: 8 hang it); unbounded non-blocking ones would start
   * every IKE exchange at once.
   */
  private async initiateMany(
    session: SessionPort,
    conns: readonly { conn: string; child?: string }[],
  ): Promise<ActionResult> {
    let started = 0;
    let up = 0;
    let next = 0;
    this.pending(`initiate ${conns.length} connections`);
    const failures: string[] = [];
    const { whenUp, idsOf } = this.deps;
    const one = async (c: { conn: string; child?: string }) => {
      const child = c.child ?? c.conn;
      const known = idsOf?.(c.conn, child) ?? new Set<string>();
      try {
        const stream = session.initiate(
          { ike: c.conn, child, timeout: -1 },
          { timeoutMs: QUICK_CALL_TIMEOUT_MS },
        );
        for await (const _line of stream) {
          // Nothing streams for an asynchronous initiate; drain in case the daemon sends some.
        }
        await stream.result;
        started++;
      } catch (err) {
        failures.push(`${c.conn}: ${reason(err)}`);
        return;
      }
      // The slot is held until the IKE_SA is up, or for INITIATE_SLOT_MS at most.
      if (whenUp && (await whenUp(c.conn, child, known, INITIATE_SLOT_MS))) up++;
    };
    const lane = async () => {
      while (next < conns.length) {
        const c = conns[next++]!;
        await one(c);
        if (whenUp && next < conns.length) {
          this.status({
            ok: true,
            text: `initiate: ${started} of ${conns.length} sent, ${up} up so far`,
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(INITIATE_WINDOW, conns.length) }, lane));
    const outcome = whenUp
      ? `${started} started, ${up} up within ${INITIATE_SLOT_MS / 1000} s`
      : `${started} started`;
    const text =
      failures.length === 0
        ? `initiate: ${outcome} (outcome in the events)`
        : `initiate: ${outcome}, ${failures.length} failed (${failures[0]})`;
    return this.finish({ ok: failures.length === 0, text });
  }

  /** One connection: stream its control-log into the progress pane, bounded in time. */
  private async initiateOne(c: { conn: string; child?: string }): Promise<ActionResult> {
    const title = `initiate ${c.child && c.child !== c.conn ? `${c.conn}/${c.child}` : c.conn}`;
    const lines: string[] = [];
    const show = (done: boolean, ok?: boolean) =>
      this.deps.progress({ title, lines: lines.slice(), done, ok });
    show(false);
    this.pending(title);
    this.blockingInitiates++;
    let owned: SessionPort | undefined;
    try {
      owned = this.deps.openPrivate ? await this.deps.openPrivate() : undefined;
      const session = owned ?? this.deps.session();
      if (!session) throw new Error('not connected to the daemon');
      const stream: StreamPort<LogEvent> = session.initiate(
        { ike: c.conn, child: c.child ?? c.conn, timeout: INITIATE_DAEMON_TIMEOUT_MS },
        { timeoutMs: INITIATE_CALL_TIMEOUT_MS },
      );
      for await (const log of stream) {
        lines.push(log.msg);
        if (lines.length > PROGRESS_LINES) lines.shift();
        show(false);
      }
      await stream.result;
      show(true, true);
      return this.finish({ ok: true, text: `${title}: established` });
    } catch (err) {
      lines.push(reason(err));
      show(true, false);
      return this.finish({ ok: false, text: `${title} failed: ${reason(err)}` });
    } finally {
      this.blockingInitiates--;
      if (owned) await closeQuietly(owned);
    }
  }

  private refuse(action: string, targets: readonly Target[]): ActionResult | undefined {
    if (this.deps.readOnly) return this.finish(readOnlyRefusal(action.split(' ')[0]!));
    if (targets.length === 0)
      return this.finish({ ok: false, text: `${action}: nothing selected` });
    if (!this.deps.session()) return this.finish(notConnected(action));
    return undefined;
  }

  private async perTarget(
    action: string,
    targets: readonly Target[],
    send: (s: SessionPort, t: Target) => Promise<unknown>,
  ): Promise<ActionResult> {
    const refused = this.refuse(action, targets);
    if (refused) return refused;
    const what = `${action} ${describeAll(targets)}`;
    this.pending(what);
    const sent = await this.send(targets, send);
    return this.finish(
      this.failure(what, targets, sent) ?? {
        ok: true,
        text: `${what}: ${sent.matches} matched`,
      },
    );
  }

  /** One command per target, in order; then the rows they touched are listed again soon. */
  private async send(
    targets: readonly Target[],
    send: (s: SessionPort, t: Target) => Promise<unknown>,
  ): Promise<{ matches: number; failures: { target: Target; why: string }[] }> {
    const session = this.deps.session()!;
    let matches = 0;
    const failures: { target: Target; why: string }[] = [];
    for (const t of targets) {
      try {
        const result = await send(session, t);
        matches += numberField(result, 'matches') ?? 1;
      } catch (err) {
        failures.push({ target: t, why: reason(err) });
      }
    }
    this.deps.refresh([...new Set(targets.map(ikeOf))]);
    return { matches, failures };
  }

  private failure(
    what: string,
    targets: readonly Target[],
    sent: { matches: number; failures: { target: Target; why: string }[] },
  ): ActionResult | undefined {
    const { failures } = sent;
    if (failures.length > 0) {
      const first = failures[0]!;
      const text =
        targets.length === 1
          ? `${what} failed: ${first.why}`
          : `${what}: ${failures.length} failed (${describeTarget(first.target)}: ${first.why})`;
      return { ok: false, text };
    }
    if (sent.matches === 0) return { ok: false, text: `${what}: no SA matched (already gone?)` };
    return undefined;
  }

  /** Sent, no answer yet: said at once, so a slow daemon does not look like a lost key. */
  private pending(what: string): void {
    this.deps.status({ at: this.deps.now(), level: 'info', text: `${what}…`, pending: true });
  }

  /** An outcome so far, on the one status channel (the final one comes from finish). */
  private status(r: ActionResult): void {
    this.deps.status({ at: this.deps.now(), level: r.ok ? 'info' : 'error', text: r.text });
  }

  private finish(result: ActionResult): ActionResult {
    this.status(result);
    return result;
  }
}

function readOnlyRefusal(action: string): ActionResult {
  return { ok: false, text: `${action} refused: swantop runs read-only (no command was sent)` };
}

function notConnected(action: string): ActionResult {
  return { ok: false, text: `${action} not sent: not connected to the daemon` };
}
