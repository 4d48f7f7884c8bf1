/**
 * A terminal for Ink in this process: a stdout of 200×50 that keeps a screen (enough of a VT
 * to follow what Ink writes: cursor moves, erases, text; colours are ignored) and stamps every
 * write, and a stdin that takes keys. With it a bench sees exactly which frame first showed a
 * change, and when, without a pty in between.
 */
import { EventEmitter } from 'node:events';

export class Screen {
  rows: string[][];
  private r = 0;
  private c = 0;
  private top = 0;
  private bottom: number;

  constructor(
    readonly columns: number,
    readonly height: number,
  ) {
    this.rows = Array.from({ length: height }, () => []);
    this.bottom = height - 1;
  }

  text(): string {
    return this.rows.map((l) => l.join('').trimEnd()).join('\n');
  }

  private clamp(): void {
    this.r = Math.max(0, Math.min(this.height - 1, this.r));
    this.c = Math.max(0, Math.min(this.columns - 1, this.c));
  }

  private newline(): void {
    if (this.r === this.height - 1) {
      this.rows.shift();
      this.rows.push([]);
    } else this.r++;
  }

  write(s: string): void {
    let i = 0;
    while (i < s.length) {
      const ch = s[i]!;
      if (ch === '\x1b') {
        const m = /^\x1b\[([?>=]?)([\d;]*)([A-Za-z@])/.exec(s.slice(i, i + 32));
        if (m) {
          i += m[0].length;
          if (m[1] === '') this.csi(m[2] ?? '', m[3]!);
          continue;
        }
        // ESC 7/8, ESC ] ... BEL and the like: skip the introducer and the next byte.
        if (s[i + 1] === ']') {
          const end = s.indexOf('\x07', i);
          i = end < 0 ? s.length : end + 1;
        } else i += 2;
        continue;
      }
      if (ch === '\n') this.newline();
      else if (ch === '\r') this.c = 0;
      else if (ch >= ' ') {
        const cp = s.codePointAt(i)!;
        const glyph = String.fromCodePoint(cp);
        if (this.c < this.columns) this.rows[this.r]![this.c] = glyph;
        this.c++;
        i += glyph.length;
        continue;
      }
      i++;
    }
  }

  private csi(params: string, op: string): void {
    const p = params.split(';').map((x) => (x === '' ? undefined : Number(x)));
    const n = p[0] ?? 1;
    const line = this.rows[this.r]!;
    switch (op) {
      case 'A':
        this.r -= n;
        break;
      case 'B':
        this.r += n;
        break;
      case 'C':
        this.c += n;
        break;
      case 'D':
        this.c -= n;
        break;
      case 'E':
        this.r += n;
        this.c = 0;
        break;
      case 'F':
        this.r -= n;
        this.c = 0;
        break;
      case 'G':
        this.c = n - 1;
        break;
      case 'H':
      case 'f':
        this.r = (p[0] ?? 1) - 1;
        this.c = (p[1] ?? 1) - 1;
        break;
      case 'K':
        if ((p[0] ?? 0) === 0) line.length = Math.min(line.length, this.c);
        else if (p[0] === 1) for (let k = 0; k <= this.c; k++) line[k] = ' ';
        else this.rows[this.r] = [];
        break;
      case 'J':
        if ((p[0] ?? 0) === 2 || p[0] === 3)
          this.rows = Array.from({ length: this.height }, () => []);
        else if ((p[0] ?? 0) === 0) {
          line.length = Math.min(line.length, this.c);
          for (let k = this.r + 1; k < this.height; k++) this.rows[k] = [];
        }
        break;
      case 'r':
        // Scroll region (top; bottom); setting it homes the cursor.
        this.top = (p[0] ?? 1) - 1;
        this.bottom = (p[1] ?? this.height) - 1;
        this.r = 0;
        this.c = 0;
        break;
      case 'L':
      case 'M':
        if (this.r >= this.top && this.r <= this.bottom) {
          const region = this.rows.slice(this.r, this.bottom + 1);
          const k = Math.min(n, region.length);
          const blank = Array.from({ length: k }, (): string[] => []);
          const moved =
            op === 'L'
              ? [...blank, ...region.slice(0, region.length - k)]
              : [...region.slice(k), ...blank];
          this.rows.splice(this.r, moved.length, ...moved);
        }
        break;
      default:
        break; // colours, modes
    }
    this.clamp();
  }
}

export interface Frame {
  at: number;
  bytes: number;
  /** This process's CPU time (user + system) at the write, in ms. */
  cpu: number;
}

export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export class FakeStdout extends EventEmitter {
  readonly isTTY = true;
  readonly screen: Screen;
  bytes = 0;
  writes = 0;
  /** Called after each write has been applied to the screen. */
  onWrite: ((f: Frame) => void) | undefined;

  constructor(
    public columns = 200,
    public rows = 50,
  ) {
    super();
    this.screen = new Screen(columns, rows);
  }

  write = (chunk: string | Uint8Array, encoding?: unknown, cb?: unknown): boolean => {
    const at = performance.now();
    const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const bytes = Buffer.byteLength(s);
    this.bytes += bytes;
    this.writes++;
    this.screen.write(s);
    this.onWrite?.({ at, bytes, cpu: cpuMs() });
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') (done as () => void)();
    return true;
  };

  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }

  /** Resolves with the time of the first write (from now on) after which `test(screen)` holds. */
  until(test: (screen: string) => boolean, timeoutMs: number): Promise<number | undefined> {
    return this.untilFrame(test, timeoutMs).then((f) => f?.at);
  }

  untilFrame(test: (screen: string) => boolean, timeoutMs: number): Promise<Frame | undefined> {
    return new Promise((resolve) => {
      const prev = this.onWrite;
      const timer = setTimeout(() => {
        this.onWrite = prev;
        resolve(undefined);
      }, timeoutMs);
      this.onWrite = (f) => {
        prev?.(f);
        if (test(this.screen.text())) {
          clearTimeout(timer);
          this.onWrite = prev;
          resolve(f);
        }
      };
    });
  }

  /** Resolves with the next write. */
  nextWrite(timeoutMs: number): Promise<Frame | undefined> {
    return this.untilFrame(() => true, timeoutMs);
  }
}

export class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  private data: string | null = null;
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read = (): string | null => {
    const d = this.data;
    this.data = null;
    return d;
  };
  /** A key as the terminal would send it. */
  key(s: string): void {
    this.data = s;
    this.emit('readable');
    this.emit('data', s);
  }
}

export class FakeStderr extends EventEmitter {
  write = (): boolean => true;
}
