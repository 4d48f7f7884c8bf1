/*
 * Type tests for the public API of swantop/vici, checked by `npm run typecheck` (never run).
 * Each `@ts-expect-error` must meet an error, so a type that loosens fails the typecheck.
 */
import type { Algorithms, Listener, Session } from '../../source/vici/index.js';

export async function typeTests(session: Session): Promise<void> {
  // --- session events ---------------------------------------------------------------------
  session.on('close', (err) => {
    const e: Error | undefined = err;
    // @ts-expect-error err is Error | undefined, not any
    const n: number = err;
    void e;
    void n;
  });
  session.once('close', () => {});
  // @ts-expect-error a typo in the event name
  session.on('clsoe', () => {});
  // @ts-expect-error close passes an Error, not a string
  session.on('close', (err: string) => void err);
  // @ts-expect-error only the events a session emits
  session.emit('data', 1);

  // --- listen -----------------------------------------------------------------------------
  const l: Listener = session.listen(['ike-updown', 'child-updown', 'log']);
  // @ts-expect-error a typo in a literal event name
  session.listen(['ike-updwon']);
  // @ts-expect-error one typo among known names
  session.listen(['log', 'child-rekye']);
  const future: string = 'some-6.x-event';
  session.listen([future, 'alert']); // a name typed string passes: open to newer daemons
  const fromConfig: readonly string[] = ['log'];
  session.listen(fromConfig);
  const FEED = ['ike-updown', 'log'] as const;
  session.listen(FEED, { timeoutMs: 1000, signal: AbortSignal.timeout(1000) });
  void l;

  // --- loadConn with a configuration declared as an interface -----------------------------
  interface Child {
    local_ts: string[];
    remote_ts: string[];
    start_action?: 'none' | 'trap' | 'start';
  }
  interface Conn {
    remote_addrs: string[];
    version?: number;
    local: { auth: 'psk' | 'pubkey'; id?: string };
    remote: { auth: 'psk' | 'pubkey' };
    children: Record<string, Child>;
  }
  interface Conns {
    'branch-office': Conn;
  }
  const conns: Conns = {
    'branch-office': {
      remote_addrs: ['192.168.0.2'],
      local: { auth: 'psk' },
      remote: { auth: 'psk' },
      children: { net: { local_ts: ['10.1.0.0/16'], remote_ts: ['10.2.0.0/16'] } },
    },
  };
  await session.loadConn(conns);
  await session.loadConn({ plain: { remote_addrs: ['192.168.0.2'] } }); // still takes literals
  await session.loadConn(new Map([['mapped', { version: 2 }]]));
  interface Bad {
    when: Date;
  }
  const bad: Record<string, Bad> = { x: { when: new Date() } };
  // @ts-expect-error a Date is not an encodable value
  await session.loadConn(bad);
  // @ts-expect-error nor is a function
  await session.loadPool({ pool: { addrs: () => '10.3.0.0/24' } });

  // --- getAlgorithms ----------------------------------------------------------------------
  const algs: Algorithms = await session.getAlgorithms();
  const plugin: string | undefined = algs.encryption.AES_CBC;
  const ke: Record<string, string> = algs.ke;
  // @ts-expect-error a typed view, not an untyped section
  algs.get('encryption');
  void plugin;
  void ke;
}
