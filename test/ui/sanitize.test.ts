import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isSafe, sanitize, sanitizeBytes } from '../../source/ui/sanitize.js';

// Anything a terminal might interpret: C0, DEL, C1, and the Unicode format/separator controls.
const CONTROL = /[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/;

describe('sanitize', () => {
  test('leaves printable text, including non-ASCII, alone', () => {
    expect(sanitize('gw-gw 10.1.0.0/16')).toBe('gw-gw 10.1.0.0/16');
    expect(sanitize('CN=Müller, O=例え')).toBe('CN=Müller, O=例え');
    expect(sanitize(undefined)).toBe('');
  });

  test('shows ESC, CSI, OSC and bell as visible escapes', () => {
    expect(sanitize('\x1b[2J\x1b[31mred')).toBe('\\x1b[2J\\x1b[31mred');
    expect(sanitize('\x1b]0;owned\x07')).toBe('\\x1b]0;owned\\x07');
    expect(sanitize('a\tb\nc\rd')).toBe('a\\tb\\nc\\rd');
  });

  test('escapes C1 controls (8-bit CSI U+009B) and DEL', () => {
    expect(sanitize('\u009b31m\u007f')).toBe('\\x9b31m\\x7f');
  });

  test('escapes bidi overrides and zero-width characters that could disguise an identity', () => {
    expect(sanitize('admin\u202egpj.exe')).toBe('admin\\u{202e}gpj.exe');
    expect(sanitize('a\u200bb\ufeff')).toBe('a\\u{200b}b\\u{feff}');
    expect(sanitize('line\u2028sep')).toBe('line\\u{2028}sep');
  });

  test('escapes lone surrogates', () => {
    expect(sanitize('x\ud800y')).toBe('x\\u{d800}y');
  });

  test('never outputs a control character, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = sanitize(s);
        expect(CONTROL.test(out)).toBe(false);
        expect(isSafe(out)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('is the identity on text with nothing to escape (nothing silently dropped)', () => {
    const unsafe = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((s) => !unsafe.test(s)),
        (s) => {
          expect(sanitize(s)).toBe(s);
        },
      ),
    );
  });
});

describe('sanitizeBytes', () => {
  test('shows invalid UTF-8 byte by byte, valid text as text', () => {
    expect(sanitizeBytes(Buffer.from([0x61, 0xff, 0x62]))).toBe('a\\xffb');
    expect(sanitizeBytes(Buffer.from([0xc3, 0xa9, 0xc3]))).toBe('é\\xc3');
    // Overlong encoding of "/" and an encoded surrogate are invalid, not text.
    expect(sanitizeBytes(Buffer.from([0xc0, 0xaf]))).toBe('\\xc0\\xaf');
    expect(sanitizeBytes(Buffer.from([0xed, 0xa0, 0x80]))).toBe('\\xed\\xa0\\x80');
  });

  test('escapes control bytes inside otherwise valid UTF-8', () => {
    expect(sanitizeBytes(Buffer.from('id\x1b[2Jx', 'utf8'))).toBe('id\\x1b[2Jx');
    // C1 CSI as UTF-8 (c2 9b) is a control character too.
    expect(sanitizeBytes(Buffer.from([0xc2, 0x9b, 0x41]))).toBe('\\x9bA');
  });

  test('never outputs a control character, for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const out = sanitizeBytes(b);
        expect(CONTROL.test(out)).toBe(false);
        expect(isSafe(out)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('decodes valid UTF-8 exactly as Node does when it holds no controls', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const b = Buffer.from(s, 'utf8');
        expect(sanitizeBytes(b)).toBe(sanitize(b.toString('utf8')));
      }),
    );
  });
});
