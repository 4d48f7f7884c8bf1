/**
 * Does watching slow the VPN down? venus (the peer) rekeys its client CHILD_SAs one at a time
 * through vici `rekey`; each is timed from the request until venus reports the `child-rekey`
 * (the exchange with moon completed). Random clients at the same pacing, with no monitor and with
 * swantop (the real CLI in tmux, after its first listing) watching moon. Target: p95 ≤ 1.5×.
 * Rekeys are spaced 1-2 s apart at random, so they sample the monitor's whole polling cycle,
 * in alternating blocks (without, with, without, with) so that drift hits both sides.
 */
import { Session } from '../source/vici/index.js';
import type { BenchContext } from './lib/context.js';
import { EventWatch, ikeNames } from './lib/events.js';
import { BASE_SAS } from './lib/lab.js';
import { LIMITS } from './lib/limits.js';
import { percentile, rng, sleep, summary } from './lib/stats.js';
import { CliInTmux, shownCount } from './lib/tmux.js';
import { type BenchRow, row } from './result.js';

const REKEY_TIMEOUT_MS = 30_000;

async function rekeys(
  venus: Session,
  watch: EventWatch,
  picks: number[],
  gap: () => number,
): Promise<{ times: number[]; lost: number }> {
  const times: number[] = [];
  let lost = 0;
  for (const i of picks) {
    const name = `c${i}`;
    const wait = watch.next((e) => ikeNames(e).includes(name), REKEY_TIMEOUT_MS);
    const t0 = performance.now();
    await venus.rekey({ child: name });
    const ev = await wait;
    if (ev) times.push(ev.at - t0);
    else {
      lost++;
      times.push(REKEY_TIMEOUT_MS);
    }
    await sleep(gap());
  }
  return { times, lost };
}

export async function runVpnImpact(ctx: BenchContext, clients: number): Promise<BenchRow[]> {
  const lab = await ctx.lab.ensure(clients);
  const n = clients + BASE_SAS;
  const count = ctx.quick ? 20 : 40;
  const random = rng(clients);
  const pick = () => Array.from({ length: count }, () => 1 + Math.floor(random() * clients));
  const gap = () => 1000 + random() * 1000;
  ctx.log(`vpn impact @${n}: ${count} CHILD_SA rekeys from venus without, then with swantop`);

  const venus = await Session.connect({ uri: lab.uris.venus, timeoutMs: 30_000 });
  const watch = new EventWatch(venus, ['child-rekey']);
  const without = { times: [] as number[], lost: 0 };
  const withMon = { times: [] as number[], lost: 0 };
  const merge = (into: typeof without, r: typeof without) => {
    into.times.push(...r.times);
    into.lost += r.lost;
  };
  // Alternating blocks (without, with, without, with), so a drift in the machine's load
  // lands on both sides rather than on one.
  const blocks = ctx.quick ? 1 : 2;
  const perBlock = Math.ceil(count / blocks);
  try {
    await watch.ready;
    for (let b = 0; b < blocks; b++) {
      merge(without, await rekeys(venus, watch, pick().slice(0, perBlock), gap));
      const cli = await CliInTmux.start({ uri: lab.uris.moon });
      try {
        await cli.waitFor((s) => (shownCount(s) ?? 0) >= n, 300_000, `${n} IKE_SAs shown`);
        merge(withMon, await rekeys(venus, watch, pick().slice(0, perBlock), gap));
      } finally {
        await cli.stop();
      }
    }
    ctx.log(`  no monitor: ${summary(without.times)} ms`);
    ctx.log(`  swantop:    ${summary(withMon.times)} ms`);
  } finally {
    await watch.close();
    await venus.close();
  }
  const p95 = percentile(withMon.times, 95);
  const ref = percentile(without.times, 95);
  const lost = without.lost + withMon.lost;
  return [
    row({
      bench: 'vpn-impact',
      name: `VPN impact @${n} SAs: CHILD_SA rekey (venus → moon) p95 with swantop vs no monitor, ${count} each`,
      value: p95,
      unit: 'ms',
      reference: ref,
      target: 1.5,
      bounds: 'ratio',
      limit: clients >= 5000 ? LIMITS.listingLock : undefined,
      alsoRequired: lost === 0 ? undefined : false,
      note:
        `with: ${summary(withMon.times)}; without: ${summary(without.times)}` +
        (lost > 0 ? `; ${lost} rekeys got no child-rekey within ${REKEY_TIMEOUT_MS / 1000} s` : ''),
    }),
  ];
}
