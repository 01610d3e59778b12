/** A sink for structured log records; each record becomes one JSON line. */
export interface Logger {
  log(record: {
    readonly level: 'info' | 'warn' | 'error';
    readonly msg: string;
    readonly [k: string]: unknown;
  }): void;
}

/** A logger writing one JSON line per record through `write` (stdout in `main.ts`). */
export const jsonLogger = (write: (line: string) => void, now: () => Date = () => new Date()): Logger => ({
  log: (record) => write(`${JSON.stringify({ time: now().toISOString(), ...record })}\n`),
});

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = { log: () => undefined };

/** A logger that keeps records in memory, for tests that do. */
export const memoryLogger = (): Logger & { readonly records: Record<string, unknown>[] } => {
  const records: Record<string, unknown>[] = [];
  return { records, log: (r) => records.push({ ...r }) };
};

/** What a log line may say about an error: its name and message, and the stack for a bug. */
export const describeError = (error: unknown): Record<string, unknown> =>
  error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : { message: String(error) };
