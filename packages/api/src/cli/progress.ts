/**
 * A progress line on stderr: rewritten in place on a terminal, one line every few seconds otherwise (so a
 * log file is not flooded).
 */
export const progressLine = (stream: NodeJS.WriteStream, label: string, total?: number) => {
  let last = 0;
  const started = Date.now();
  const render = (done: number) => {
    const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
    const of = total ? ` / ${total} (${Math.floor((done / total) * 100)}%)` : '';
    return `${label}: ${done}${of} events, ${rate}/s`;
  };
  return {
    update(done: number) {
      const now = Date.now();
      if (stream.isTTY) {
        if (now - last < 100) return;
        stream.write(`\r${render(done)}\u001b[K`);
      } else {
        if (now - last < 2_000) return;
        stream.write(`${render(done)}\n`);
      }
      last = now;
    },
    finish(done: number) {
      stream.write(`${stream.isTTY ? '\r' : ''}${render(done)} — done\u001b[K\n`);
    },
  };
};
