/**
 * The bench's own lab (prefix swb, dir /run/swantop-bench-lab), separate from the developer's
 * and the tests' labs. Sizes grow in place (addClients); a smaller size after a larger one
 * restarts it. Always stopped at the end of a run, Ctrl-C included (see run.ts).
 */
import { addClients, daemonPid, type LabInfo, startLab, stopLab } from '../../lab/lab.js';
import { Session } from '../../source/vici/index.js';
import { sleep } from './stats.js';

/** SWANTOP_BENCH_LAB_DIR/_PREFIX give a run a lab of its own (two benches side by side). */
export const BENCH_LAB = {
  dir: process.env.SWANTOP_BENCH_LAB_DIR || '/run/swantop-bench-lab',
  prefix: process.env.SWANTOP_BENCH_LAB_PREFIX || 'swb',
} as const;
/** moon holds net-net, carol and dave besides the scale clients. */
export const BASE_SAS = 3;

export class BenchLab {
  lab: LabInfo | undefined;
  private started = false;

  constructor(private readonly log: (line: string) => void) {}

  /** A lab whose moon holds `clients` scale clients (+ the base SAs), settled. */
  async ensure(clients: number): Promise<LabInfo> {
    if (this.lab && this.lab.clients > clients) {
      this.log(`restarting the bench lab for ${clients} clients`);
      await this.stop();
    }
    if (!this.lab) {
      this.started = true;
      this.log(
        `starting the bench lab with ${clients} clients (${BENCH_LAB.dir}, prefix ${BENCH_LAB.prefix})`,
      );
      this.lab = await startLab({ ...BENCH_LAB, clients, log: (l) => this.log(`lab: ${l}`) });
    } else if (this.lab.clients < clients) {
      await addClients(this.lab, clients - this.lab.clients, { log: (l) => this.log(`lab: ${l}`) });
    }
    await this.settle(clients + BASE_SAS);
    return this.lab;
  }

  async moonPid(): Promise<number> {
    const pid = this.lab ? await daemonPid(this.lab, 'moon') : undefined;
    if (pid === undefined) throw new Error("moon's charon is not running in the bench lab");
    return pid;
  }

  /** Waits until moon counts the expected IKE_SAs and none is half-open. */
  private async settle(expected: number): Promise<void> {
    const lab = this.lab!;
    const s = await Session.connect({ uri: lab.uris.moon, timeoutMs: 30_000 });
    try {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const st = await s.stats();
        if ((st.ikeSasTotal ?? 0) >= expected && (st.ikeSasHalfOpen ?? 0) === 0) return;
        if (Date.now() > deadline) {
          throw new Error(
            `moon holds ${st.ikeSasTotal} IKE_SAs (${st.ikeSasHalfOpen} half-open), expected ${expected}`,
          );
        }
        await sleep(500);
      }
    } finally {
      await s.close();
    }
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.lab = undefined;
    await stopLab(BENCH_LAB);
  }
}
