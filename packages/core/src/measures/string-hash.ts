/**
 * MurmurHash3 x86_32 (Austin Appleby, public domain) over the UTF-8 bytes of a string. Distinct-people
 * sketches need hashes whose bits are uniformly mixed; MurmurHash3's finaliser gives full avalanche, and the
 * x86_32 variant has published vectors and SMHasher's verification value to test against, so a
 * reimplementation elsewhere (SQL, a report exporter) can be checked byte for byte.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** Hashes `bytes[0..length)` with MurmurHash3 x86_32 and returns the hash as an unsigned 32-bit integer. */
export const murmurHash3x86_32 = (bytes: Uint8Array, seed: number, length = bytes.length): number => {
  let h = seed | 0;
  const blockEnd = length & ~3;
  for (let i = 0; i < blockEnd; i += 4) {
    // Blocks are read little-endian, as the reference does on x86, so results match it on any platform.
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = length & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[blockEnd + 2]! << 16;
    if (tail >= 2) k ^= bytes[blockEnd + 1]! << 8;
    k ^= bytes[blockEnd]!;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

// One reused buffer: ids are hashed once each at interning, and allocating per id would dominate the cost.
let scratch = new Uint8Array(64);
/** Whether the last encoding replaced an unpaired surrogate. */
let lossy = false;

/**
 * Writes the UTF-8 encoding of `text` into the scratch buffer and returns its length. Lone surrogates become
 * U+FFFD, as the WHATWG TextEncoder does, so the bytes equal what any standard encoder would produce.
 */
const encodeUtf8 = (text: string): number => {
  if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3);
  lossy = false;
  const out = scratch;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = text.charCodeAt(i + 1);
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          out[n++] = 0xf0 | (cp >> 18);
          out[n++] = 0x80 | ((cp >> 12) & 0x3f);
          out[n++] = 0x80 | ((cp >> 6) & 0x3f);
          out[n++] = 0x80 | (cp & 0x3f);
          continue;
        }
        c = 0xfffd;
        lossy = true;
      }
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
};

/**
 * Encodes `text` as UTF-8 into a shared scratch buffer ({@link utf8ScratchBytes}, valid until the next call)
 * and returns the length, or -1 when `text` holds an unpaired surrogate: its bytes would not tell it from
 * U+FFFD. No allocation: this runs once per participant.
 */
export const encodeUtf8Scratch = (text: string): number => {
  const length = encodeUtf8(text);
  return lossy ? -1 : length;
};

/** The scratch buffer {@link encodeUtf8Scratch} wrote to. */
export const utf8ScratchBytes = (): Uint8Array => scratch;

/** Hashes the UTF-8 encoding of `text` with MurmurHash3 x86_32 and the given seed. */
export const murmurHash3String = (text: string, seed: number): number => {
  // Encode first: encoding may replace `scratch` with a larger buffer.
  const length = encodeUtf8(text);
  return murmurHash3x86_32(scratch, seed, length);
};

/**
 * The seed for person-id hashes. Sketches saved in checkpoints depend on it: changing it (or the hash)
 * makes every stored HyperLogLog incomparable with new ones, so it must only change with a rebuild.
 */
export const PERSON_HASH_SEED = 0x9747b28c;

/** Hashes a pseudonymous person id (e.g. `st-00012345`) to the uint32 that distinct-people sketches use. */
export const hashPersonId = (id: string): number => murmurHash3String(id, PERSON_HASH_SEED);
