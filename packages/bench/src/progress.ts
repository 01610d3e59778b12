/**
 * One line of progress on stderr, rewritten in place on a terminal; elsewhere (CI, a test) a new line at
 * most every few seconds, so logs stay readable. stdout is kept for the summary table.
 */
export class Progress {
  readonly #tty = process.stderr.isTTY === true;
  readonly #prefix: string;
  #last = 0;
  #shown = '';

  constructor(prefix = '') {
    this.#prefix = prefix;
  }

  /** Shows the current step; on a non-terminal only every `everyMs`. */
  update(text: string, everyMs = 3_000): void {
    const line = `${this.#prefix}${text}`;
    if (this.#tty) {
      process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
      this.#shown = line;
      return;
    }
    const now = Date.now();
    if (now - this.#last < everyMs) return;
    this.#last = now;
    process.stderr.write(`${line}\n`);
  }

  /** A step that finished: always printed, on its own line. */
  done(text: string): void {
    const line = `${this.#prefix}${text}`;
    process.stderr.write(this.#tty ? `\r\x1b[K${line}\n` : `${line}\n`);
    this.#shown = '';
    this.#last = 0;
  }

  /** Clears a pending in-place line (before something else writes to the terminal). */
  clear(): void {
    if (this.#tty && this.#shown !== '') process.stderr.write('\r\x1b[K');
    this.#shown = '';
  }
}
