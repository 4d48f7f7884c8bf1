import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { displayWidth, fitWidth, truncate, wrapHard } from '../../source/ui/width.js';

describe('width', () => {
  test('counts CJK and emoji as two cells, combining marks as none', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('例え')).toBe(4);
    expect(displayWidth('🔒x')).toBe(3);
    expect(displayWidth('e\u0301')).toBe(1);
  });

  test('truncate marks the cut and never exceeds the width, even mid wide character', () => {
    expect(truncate('gateway-one', 8)).toBe('gateway…');
    expect(truncate('例え例え', 5)).toBe('例え…');
    expect(displayWidth(truncate('例え例え', 4))).toBeLessThanOrEqual(4);
    expect(truncate('abc', 0)).toBe('');
  });

  test('fitWidth always gives exactly the width asked for', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        (s, w, right) => {
          expect(displayWidth(fitWidth(s, w, right ? 'right' : 'left'))).toBe(w);
        },
      ),
    );
    expect(fitWidth('7', 4, 'right')).toBe('   7');
  });

  test('wrapHard splits long lines and keeps everything', () => {
    expect(wrapHard('abcdefg', 3)).toEqual(['abc', 'def', 'g']);
    expect(wrapHard('short', 10)).toEqual(['short']);
  });
});
