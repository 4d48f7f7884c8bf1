import { EventEmitter } from 'node:events';

/** A stdin Ink accepts as a terminal: what a test pushes is read as typed keys. */
export class TtyStdin extends EventEmitter {
  isTTY = true;
  private queue: string[] = [];
  push(s: string): void {
    this.queue.push(s);
    this.emit('readable');
  }
  write(s: string): void {
    this.push(s);
  }
  read = (): string | null => this.queue.shift() ?? null;
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}
