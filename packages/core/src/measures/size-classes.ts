/**
 * Block sizes four to a doubling — 4, 5, 6, 7, 8, 10, 12, 14, 16, 20… — class `c` being
 * `(4 + c mod 4) × 2^⌊c / 4⌋`: a block grown a class at a time has at most a fifth more room than it
 * needs (with powers of two alone, on average half). The people arena's tables and the word pools' blocks
 * both come in these sizes.
 *
 * Looked up, not computed: `2 ** x` compiles to a call of the C library's `pow` (30–40 ns), and the fold
 * asks for sizes several times per member or entry added.
 */
/**
 * The classes there are: 0 to {@link LAST_CLASS}, every size below 2^31. An `Int32Array`, so that a size read
 * from it is a small integer: as doubles (a `Float64Array`, as it once was), sizes added into a carving point
 * made it, and every offset carved from it, a double, which V8 then boxed in every object that stored one
 * (at 10M, 290,000 heap numbers in the day series and participation logs).
 */
export const LAST_CLASS = 115;
const SIZES = Int32Array.from({ length: LAST_CLASS + 1 }, (_, c) => (4 + (c & 3)) * 2 ** (c >> 2));

/** The size of class `c` (0 to {@link LAST_CLASS}), a small integer. */
export const sizeOfClass = (c: number): number => SIZES[c]!;

/** The smallest class whose size is at least `size` (sizes up to that of {@link LAST_CLASS}, 7 × 2^28). */
export const classOfSize = (size: number): number => {
  if (size <= 4) return 0;
  const e = 31 - Math.clz32(size);
  const c = 4 * (e - 2) + ((size >> (e - 2)) - 4);
  return SIZES[c]! >= size ? c : c + 1;
};
