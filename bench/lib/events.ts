/**
 * Waiting for daemon events on a connection of our own: each event is stamped with
 * performance.now() the moment its packet is read, and handed to whoever waits for it.
 */
import type { ViciSection } from '../../source/vici/message.js';
import type { Session } from '../../source/vici/session.js';

export interface Stamped {
  type: string;
  message: ViciSection;
  at: number;
}

export class EventWatch {
  private waiters: { test: (e: Stamped) => boolean; resolve: (e: Stamped) => void }[] = [];
  private readonly listener: ReturnType<Session['listen']>;
  private readonly done: Promise<void>;

  constructor(session: Session, types: readonly string[]) {
    const listener = session.listen(types);
    this.listener = listener;
    this.done = (async () => {
      for await (const ev of listener) {
        if (!ev) continue;
        const s: Stamped = { type: ev.type, message: ev.message, at: performance.now() };
        this.waiters = this.waiters.filter((w) => {
          if (!w.test(s)) return true;
          w.resolve(s);
          return false;
        });
      }
    })().catch(() => {});
  }

  get ready(): Promise<void> {
    return this.listener.ready ?? Promise.resolve();
  }

  /** Resolves with the first event (from now on) that passes `test`, or undefined after `timeoutMs`. */
  next(test: (e: Stamped) => boolean, timeoutMs: number): Promise<Stamped | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        resolve(undefined);
      }, timeoutMs);
      const done = (e: Stamped) => {
        clearTimeout(timer);
        resolve(e);
      };
      this.waiters.push({ test, resolve: done });
    });
  }

  async close(): Promise<void> {
    await this.listener.close();
    await this.done;
  }
}

/** The top-level section names of an event (the IKE_SA's connection name). */
export function ikeNames(e: Stamped): string[] {
  const out: string[] = [];
  for (const [k, v] of e.message) if (v instanceof Map) out.push(k);
  return out;
}
