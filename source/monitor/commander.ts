import { isIP } from 'node:net';
import { CommandError } from '../vici/errors.js';
import type { LogEvent } from '../vici/views.js';
import type { SessionPort, StreamPort } from './session-port.js';
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

const HOSTNAME =
  /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** An IPv4/IPv6 literal or a DNS host name; anything else would only earn a daemon error. */
export function validGateway(gateway: string): boolean {
  if (isIP(gateway) !== 0) return true;
  if (/^[\d.]+$/.test(gateway)) return false; // looks like IPv4 but is not one
  return HOSTNAME.test(gateway);
}

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

function reason(err: unknown): string {
  // The daemon's own words when it refused; otherwise ours (timeout, closed connection).
  if (err instanceof CommandError && err.errmsg) return err.errmsg;
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
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
    if (!validGateway(gateway)) {
      return this.finish({
        ok: false,
        text: `redirect not sent: "${gateway}" is not an IP address or a host name`,
      });
    }
    // Redirect acts on IKE_SAs; a selected CHILD_SA stands for its IKE_SA.
    const seen = new Set<string>();
    const ikes: Target[] = [];
    for (const t of targets) {
      const id = ikeOf(t);
      if (seen.has(id)) continue;
      seen.add(id);
      ikes.push(t.kind === 'ike' ? t : { kind: 'ike', uniqueid: id, name: t.name });
    }
    return this.perTarget(
      `redirect to ${gateway}`,
      ikes,
      (s, t) => s.redirect({ 'ike-id': t.uniqueid, gateway }, { timeoutMs: QUICK_CALL_TIMEOUT_MS }),
      true,
    );
  }

  async initiate(conns: readonly { conn: string; child?: string }[]): Promise<ActionResult> {
    if (this.deps.readOnly) return this.finish(readOnlyRefusal('initiate'));
    if (conns.length === 0) return this.finish({ ok: false, text: 'initiate: nothing selected' });
    const session = this.deps.session();
    if (!session) return this.finish(notConnected('initiate'));
    if (conns.length === 1 && this.blockingInitiates === 0) return this.initiateOne(conns[0]!);
    // Several at once: each returns at once (timeout -1) and the outcome arrives as events.
    // Blocking ones in parallel would tie up the daemon's worker threads (lab notes: 8 hang it).
    let started = 0;
    const failures: string[] = [];
    for (const c of conns) {
      try {
        const stream = session.initiate(
          { ike: c.conn, child: c.child ?? c.conn, timeout: -1 },
          { timeoutMs: QUICK_CALL_TIMEOUT_MS },
        );
        for await (const _line of stream) {
          // Nothing streams for an asynchronous initiate; drain in case the daemon sends some.
        }
        await stream.result;
        started++;
      } catch (err) {
        failures.push(`${c.conn}: ${reason(err)}`);
      }
    }
    const text =
      failures.length === 0
        ? `initiate: ${started} started (outcome in the events)`
        : `initiate: ${started} started, ${failures.length} failed (${failures[0]})`;
    return this.finish({ ok: failures.length === 0, text });
  }

  /** One connection: stream its control-log into the progress pane, bounded in time. */
  private async initiateOne(c: { conn: string; child?: string }): Promise<ActionResult> {
    const title = `initiate ${c.child && c.child !== c.conn ? `${c.conn}/${c.child}` : c.conn}`;
    const lines: string[] = [];
    const show = (done: boolean, ok?: boolean) =>
      this.deps.progress({ title, lines: lines.slice(), done, ok });
    show(false);
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
      if (owned) await owned.close().catch(() => {});
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
    checked = false,
  ): Promise<ActionResult> {
    if (!checked) {
      const refused = this.refuse(action, targets);
      if (refused) return refused;
    }
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
    const what = `${action} ${describeAll(targets)}`;
    if (failures.length > 0) {
      const first = failures[0]!;
      const text =
        targets.length === 1
          ? `${what} failed: ${first.why}`
          : `${what}: ${failures.length} failed (${describeTarget(first.target)}: ${first.why})`;
      return this.finish({ ok: false, text });
    }
    if (matches === 0) {
      return this.finish({ ok: false, text: `${what}: no SA matched (already gone?)` });
    }
    return this.finish({ ok: true, text: `${what}: ${matches} matched` });
  }

  private finish(result: ActionResult): ActionResult {
    this.deps.status({
      at: this.deps.now(),
      level: result.ok ? 'info' : 'error',
      text: result.text,
    });
    return result;
  }
}

function readOnlyRefusal(action: string): ActionResult {
  return { ok: false, text: `${action} refused: swantop runs read-only (no command was sent)` };
}

function notConnected(action: string): ActionResult {
  return { ok: false, text: `${action} not sent: not connected to the daemon` };
}
