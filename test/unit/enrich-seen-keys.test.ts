import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeenKeys } from '../../shared/domain/seen-keys';

describe('SeenKeys (the duplicate index)', () => {
  it('answers exactly like a Set for any sequence of keys', () => {
    const key = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
      fc.string({ minLength: 1400, maxLength: 1500 }), // longer than the scratch buffer
      fc.integer({ min: 0, max: 50 }).map((n) => `${n}#${n % 3}`),
    );
    fc.assert(
      fc.property(fc.array(key, { maxLength: 300 }), (keys) => {
        // Prepare
        const model = new Set<string>();
        const seen = new SeenKeys();
        for (const k of keys) {
          // Act
          const had = seen.addOrHas(k);
          // Assess
          expect(had).toBe(model.has(k));
          model.add(k);
        }
        expect(seen.size).toBe(model.size);
      }),
    );
  });

  it('keeps a hundred thousand keys exact across table growth', () => {
    // Prepare
    const seen = new SeenKeys();
    // Act
    const firstPass = Array.from({ length: 100_000 }, (_, i) => seen.addOrHas(`${i}#1`));
    const secondPass = Array.from({ length: 100_000 }, (_, i) => seen.addOrHas(`${i}#1`));
    // Assess
    expect(firstPass.every((had) => !had)).toBe(true);
    expect(secondPass.every((had) => had)).toBe(true);
    expect(seen.addOrHas('100000#1')).toBe(false);
    expect(seen.size).toBe(100_001);
    expect(seen.bytes).toBeLessThan(100_001 * 40);
  });

  it('tells apart keys that differ only beyond ASCII', () => {
    // Prepare
    const seen = new SeenKeys();
    // Act / Assess
    expect(seen.addOrHas('café')).toBe(false);
    expect(seen.addOrHas('cafe\u0301')).toBe(false);
    expect(seen.addOrHas('café')).toBe(true);
  });
});
