/** What one `pnpm bench` run measures. */
export interface BenchOptions {
  /** Log sizes in events, smallest first. */
  readonly sizes: readonly number[];
  readonly smoke: boolean;
  readonly seed: number;
  /** Seconds of load per HTTP scenario. */
  readonly httpSeconds: number;
  readonly cacheDir: string;
  readonly resultsDir: string;
  readonly append: boolean;
  readonly http: boolean;
}

/** A log this small still holds the whole national tree, so every measurement path runs in seconds. */
export const SMOKE_EVENTS = 6_000;

const UNITS: Record<string, number> = { '': 1, k: 1_000, m: 1_000_000 };

/** Parses `100k`, `1m`, `10m` or a plain number of events. */
export const parseSize = (text: string): number => {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  const factor = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  const events = m && factor !== undefined ? Math.round(Number(m[1]) * factor) : Number.NaN;
  if (!Number.isSafeInteger(events) || events < SMOKE_EVENTS) {
    throw new RangeError(
      `size '${text}' must be a number of events of at least ${SMOKE_EVENTS} (100k, 1m, 10m)`,
    );
  }
  return events;
};

/** A size as the table prints it: 100k, 1m, 10m. */
export const sizeLabel = (events: number): string => {
  if (events % 1_000_000 === 0) return `${events / 1_000_000}m`;
  if (events % 1_000 === 0) return `${events / 1_000}k`;
  return String(events);
};

const USAGE = `usage: pnpm bench [--sizes 100k,1m,10m] [--smoke] [--seed N] [--http-seconds S]
                  [--cache DIR] [--out DIR] [--no-append] [--no-http]`;

/** Reads the command line; throws a RangeError carrying the usage on anything it does not know. */
export const parseBenchArgs = (
  argv: readonly string[],
  defaults: { cacheDir: string; resultsDir: string },
): BenchOptions => {
  let sizes = [100_000, 1_000_000];
  let smoke = false;
  let seed = 1;
  let httpSeconds: number | undefined;
  let cacheDir = defaults.cacheDir;
  let resultsDir = defaults.resultsDir;
  let append = true;
  let http = true;
  const args = argv.filter((a) => a !== '--');
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split('=', 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new RangeError(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--sizes':
        sizes = value()
          .split(',')
          .filter((s) => s !== '')
          .map(parseSize)
          .sort((a, b) => a - b);
        break;
      case '--smoke':
        smoke = true;
        break;
      case '--seed':
        seed = Number(value());
        if (!Number.isSafeInteger(seed) || seed < 0)
          throw new RangeError(`--seed must be a whole number\n${USAGE}`);
        break;
      case '--http-seconds':
        httpSeconds = Number(value());
        if (!(httpSeconds > 0 && httpSeconds <= 60))
          throw new RangeError(`--http-seconds must be in (0, 60]\n${USAGE}`);
        break;
      case '--cache':
        cacheDir = value();
        break;
      case '--out':
        resultsDir = value();
        break;
      case '--no-append':
        append = false;
        break;
      case '--no-http':
        http = false;
        break;
      default:
        throw new RangeError(`unknown argument '${args[i]}'\n${USAGE}`);
    }
  }
  if (sizes.length === 0) throw new RangeError(`--sizes names no size\n${USAGE}`);
  return {
    sizes: smoke ? [SMOKE_EVENTS] : sizes,
    smoke,
    seed,
    httpSeconds: httpSeconds ?? (smoke ? 0.5 : 5),
    cacheDir,
    resultsDir,
    append,
    http,
  };
};
