/*
 * Shared by the vici-*.test.ts integration files: the lab from the global setup, sessions
 * to its daemons, and polling for effects that the daemon completes asynchronously.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';
import type { LabHost, LabInfo } from '../../lab/lab.js';
import { type ListenEvent, type Listener, Session } from '../../source/vici/index.js';

/** The lab the global setup (global-setup.ts) started and provided. */
export function labInfo(): LabInfo {
  const lab = inject('lab');
  if (!lab?.sockets) throw new Error('the integration global setup provided no lab');
  return lab;
}

export function connect(lab: LabInfo, host: LabHost): Promise<Session> {
  return Session.connect({ uri: lab.uris[host], timeoutMs: 30_000 });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `probe` returns something truthy; fails naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false | null>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    }
    await sleep(200);
  }
}

/**
 * Reads a listener (which must have a heartbeat timeoutMs) until an event matches, keeping
 * every event it passes over in `seen`.
 */
export async function nextEvent(
  listener: Listener,
  what: string,
  match: (ev: ListenEvent) => boolean,
  seen: ListenEvent[],
  timeoutMs = 30_000,
): Promise<ListenEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await listener.next();
    if (r.done) throw new Error(`the listener ended while waiting for ${what}`);
    if (r.value) {
      seen.push(r.value);
      if (match(r.value)) return r.value;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the event: ${what}`);
  }
}

/** The DER inside a PEM file: what the daemon must give back byte for byte. */
export async function pemFileToDer(file: string): Promise<Buffer> {
  const pem = await readFile(file, 'utf8');
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return Buffer.from(b64, 'base64');
}

export const certFile = (lab: LabInfo, host: LabHost) =>
  path.join(lab.dir, host, 'x509', `${host}.pem`);
export const keyFile = (lab: LabInfo, host: LabHost) =>
  path.join(lab.dir, host, 'ecdsa', `${host}.key`);
export const caFile = (lab: LabInfo) => path.join(lab.dir, 'pki', 'ca.pem');

/** The charon a lab host runs, e.g. "6.1.0" (from the lab, which asked the binary at start). */
export function charonOf(lab: LabInfo, host: LabHost): string {
  const v = lab.strongswan?.[host]?.version;
  if (!v || !/^\d+\.\d+\.\d+/.test(v))
    throw new Error(`the lab does not say which charon ${host} runs`);
  return v;
}

/** Whether a host's charon is `min` (e.g. "6.0.3") or later. */
export function atLeast(lab: LabInfo, host: LabHost, min: string): boolean {
  const a = charonOf(lab, host)
    .split(/[.-]/)
    .map((x) => Number.parseInt(x, 10));
  const b = min.split('.').map((x) => Number.parseInt(x, 10));
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}
