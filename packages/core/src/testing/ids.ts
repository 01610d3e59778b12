const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const encode = (value: bigint, length: number): string => {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[Number(v % 32n)]! + out;
    v /= 32n;
  }
  return out;
};

/**
 * ULIDs from a counter: valid, strictly increasing, and the same on every run, so tests and fixtures are
 * reproducible. Production hosts use the `ulid` package's monotonic factory instead.
 */
export const sequentialIds = (startMs = Date.UTC(2020, 0, 1), namespace = 0): (() => string) => {
  let n = BigInt(namespace) << 48n;
  const time = encode(BigInt(startMs), 10);
  return () => {
    n += 1n;
    return time + encode(n, 16);
  };
};
