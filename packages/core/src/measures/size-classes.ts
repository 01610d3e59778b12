/**
 * Block sizes four to a doubling — 4, 5, 6, 7, 8, 10, 12, 14, 16, 20… — class `c` being
 * `(4 + c mod 4) × 2^⌊c / 4⌋`: a block grown a class at a time has at most a fifth more room than it
 * needs (with powers of two alone, on average half). The people arena's tables and the word pools' blocks
 * both come in these sizes.
 *
 * Looked up, not computed: `2 ** x` compiles to a call of the C library's `pow` (30–40 ns), and the fold
 * asks for sizes several times per member or entry added.
 */
const SIZES = Float64Array.from({ length: 256 }, (_, c) => (4 + (c & 3)) * 2 ** (c >> 2));

/** The size of class `c` (0–255). */
export const sizeOfClass = (c: number): number => SIZES[c]!;

/** The smallest class whose size is at least `size` (sizes below 2^31). */
export const classOfSize = (size: number): number => {
  if (size <= 4) return 0;
  const e = 31 - Math.clz32(size);
  const c = 4 * (e - 2) + ((size >> (e - 2)) - 4);
  return SIZES[c]! >= size ? c : c + 1;
};
