/**
 * CPU time and memory of a process from /proc, the same numbers `top` reads. CPU counts every
 * thread of the process (user + system), in seconds.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let tck: number | undefined;

function clockTicks(): number {
  if (tck === undefined) {
    try {
      tck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      tck = 100;
    }
  }
  return tck;
}

export class ProcessGoneError extends Error {
  override name = 'ProcessGoneError';
  constructor(pid: number) {
    super(`process ${pid} is gone (it exited or crashed during the measurement)`);
  }
}

function read(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    throw new ProcessGoneError(pid);
  }
}

/** utime + stime of the whole process, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = read(pid, 'stat');
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clockTicks();
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(read(pid, 'status'));
  if (!m) throw new ProcessGoneError(pid);
  return Number(m[1]) * 1024;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
