/*
 * Everything the daemon says is attacker-influenced (a peer picks its own identity, log lines
 * quote it), so no daemon string reaches the terminal without passing through here. Anything a
 * terminal could interpret, or that could reorder or hide text, is shown as a visible escape.
 */

// C0, DEL, C1 (Cc), format characters such as bidi overrides and zero-width joiners (Cf),
// line/paragraph separators, and lone surrogates.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const PLAIN_ASCII = /^[\x20-\x7e]*$/;

const NAMED: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r' };

function escapeCodePoint(cp: number): string {
  const named = NAMED[cp];
  if (named) return named;
  if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, '0')}`;
  return `\\u{${cp.toString(16)}}`;
}

/** A string made safe to print: unsafe code points become `\x1b`, `\u{202e}`... */
export function sanitize(s: string | undefined | null): string {
  if (s === undefined || s === null) return '';
  if (PLAIN_ASCII.test(s)) return s;
  let out = '';
  for (const ch of s) {
    if (UNSAFE.test(ch)) out += escapeCodePoint(ch.codePointAt(0)!);
    else out += ch;
  }
  return out;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes as the daemon sent them, made safe: valid UTF-8 is shown as text (sanitized), each byte
 * of an invalid sequence as `\xNN`, so a malformed identity is visible as such.
 */
export function sanitizeBytes(bytes: Uint8Array): string {
  try {
    return sanitize(strictUtf8.decode(bytes));
  } catch {
    // fall through to the byte-by-byte reading
  }
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const len = validSequenceLength(bytes, i);
    if (len === 0) {
      out += `\\x${bytes[i]!.toString(16).padStart(2, '0')}`;
      i += 1;
    } else {
      out += sanitize(Buffer.from(bytes.subarray(i, i + len)).toString('utf8'));
      i += len;
    }
  }
  return out;
}

/** Length of the well-formed UTF-8 sequence at `i` (RFC 3629 table 3-7), or 0. */
function validSequenceLength(b: Uint8Array, i: number): number {
  const b0 = b[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => {
    const v = b[i + k];
    return v !== undefined && v >= lo && v <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** True when `s` holds nothing a terminal would interpret (used by tests and assertions). */
export function isSafe(s: string): boolean {
  for (const ch of s) if (UNSAFE.test(ch)) return false;
  return true;
}
