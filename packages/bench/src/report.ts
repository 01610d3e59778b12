import type { AppendCase } from './append-bench.ts';
import { sizeLabel } from './bench-options.ts';
import { duration, int, markdownTable, megabytes, percent, times } from './format.ts';
import type { SizeResult } from './size-bench.ts';

/** PASS/MISS against a speed goal; FAIL when a correctness check (answers, checkpoint) did not hold. */
export type Status = 'PASS' | 'MISS' | 'FAIL' | '';

/** One line of the summary: chitieu's figure, its reference, the ratio and the goal. */
export interface Figure {
  readonly size: string;
  readonly name: string;
  readonly chitieu: string;
  readonly reference: string;
  readonly ratio: string;
  readonly goal: string;
  readonly status: Status;
  /** The raw numbers behind the line (milliseconds, events per second, bytes). */
  readonly numbers: Readonly<Record<string, number | null>>;
}

const GB = 1e9;
const pass = (ok: boolean): Status => (ok ? 'PASS' : 'MISS');

const appendFigures = (cases: readonly AppendCase[]): Figure[] =>
  cases.map((c) => {
    const ratio = c.store / c.raw;
    const goal = c.batchSize === 1000;
    return {
      size: 'any',
      name: `append, batch ${int(c.batchSize)} (${int(c.events)} events, synchronous=FULL)`,
      chitieu: `${int(c.store)} ev/s`,
      reference: `raw better-sqlite3 ${int(c.raw)} ev/s`,
      ratio: `${percent(ratio)} of raw`,
      goal: goal ? '≥ 60% of raw' : '',
      status: goal ? pass(ratio >= 0.6) : '',
      numbers: {
        storeEventsPerSecond: c.store,
        rawEventsPerSecond: c.raw,
        ratio,
        transactions: c.transactions,
      },
    };
  });

const sizeFigures = (r: SizeResult): Figure[] => {
  const size = sizeLabel(r.events);
  const rebuildRatio = r.rebuildMs / r.rawReadMs;
  const out: Figure[] = [
    {
      size,
      name: 'rebuild projections from the log',
      chitieu: `${duration(r.rebuildMs)} (${((r.rebuildMs * 1000) / r.events).toFixed(1)} µs/event)`,
      reference: `raw SELECT + JSON.parse ${duration(r.rawReadMs)}`,
      ratio: `${times(rebuildRatio)} raw`,
      goal: '≤ 1.5× raw',
      status: pass(rebuildRatio <= 1.5),
      numbers: { rebuildMs: r.rebuildMs, rawReadMs: r.rawReadMs, ratio: rebuildRatio },
    },
    {
      size,
      name: '  of which: store read path, no fold',
      chitieu: duration(r.storeReadMs),
      reference: `raw ${duration(r.rawReadMs)}`,
      ratio: `${times(r.storeReadMs / r.rawReadMs)} raw`,
      goal: '',
      status: '',
      numbers: { storeReadMs: r.storeReadMs, rawReadMs: r.rawReadMs },
    },
    {
      size,
      name: 'stale people cells and loose days refreshed before the queries',
      chitieu: `${int(r.staleRefresh.cells)} queued in ${duration(r.staleRefresh.ms)}`,
      reference: 'as the API does when idle',
      ratio:
        r.staleRefresh.cells > 0 ? `${(r.staleRefresh.ms / r.staleRefresh.cells).toFixed(1)} ms each` : '',
      goal: '',
      status: '',
      numbers: { ...r.staleRefresh },
    },
    {
      size,
      name: '  then the people cells’ arena compacted (idle refresh)',
      chitieu:
        r.compaction.bytesAfter < r.compaction.bytesBefore
          ? `${megabytes(r.compaction.bytesBefore)} → ${megabytes(r.compaction.bytesAfter)} in ${duration(r.compaction.ms)}`
          : `not needed (${megabytes(r.compaction.bytesBefore)})`,
      reference: 'free blocks left by tables that grew',
      ratio: '',
      goal: '',
      status: '',
      numbers: { ...r.compaction },
    },
    {
      size,
      name: '  then the tree put back into columns (idle refresh)',
      chitieu:
        r.treeCompaction.builtAfter < r.treeCompaction.builtBefore
          ? `${int(r.treeCompaction.builtBefore)} → ${int(r.treeCompaction.builtAfter)} unit records in ${duration(r.treeCompaction.ms)}`
          : `not needed (${int(r.treeCompaction.builtBefore)} unit records)`,
      reference: 'records a fold built, rebuilt on first use',
      ratio: '',
      goal: '',
      status: '',
      numbers: { ...r.treeCompaction },
    },
  ];
  for (const q of r.queries ?? []) {
    const speedup = q.sql.p50 / q.engine.p50;
    const ok = q.engine.p99 < 0.5 && speedup >= 100;
    out.push({
      size,
      name: `query: ${q.label}`,
      chitieu: `p50 ${duration(q.engine.p50)}, p99 ${duration(q.engine.p99)} (n=${int(q.engine.n)})`,
      reference: `SQL p50 ${duration(q.sql.p50)}, p99 ${duration(q.sql.p99)} (n=${q.sql.n})`,
      ratio: `${times(speedup)} faster`,
      goal: 'p99 < 0.5 ms, ≥ 100×',
      status: pass(ok),
      numbers: {
        engineP50Ms: q.engine.p50,
        engineP99Ms: q.engine.p99,
        sqlP50Ms: q.sql.p50,
        sqlP99Ms: q.sql.p99,
        speedupP50: speedup,
        engineSlowSamples: q.engineSlow,
        engineGcPauses: q.engineGc.count,
        engineGcMaxMs: q.engineGc.maxMs,
      },
    });
  }
  const checked = (r.queries ?? []).reduce((s, q) => s + q.checked, 0);
  const agreed = (r.queries ?? []).reduce((s, q) => s + q.agreed, 0);
  if (r.queries)
    out.push({
      size,
      name: 'answers: engine = SQL',
      chitieu: `${agreed} of ${checked} agree`,
      reference: 'exact for additive, within 4σ for sketches',
      ratio: '',
      goal: 'all agree',
      status: agreed === checked ? 'PASS' : 'FAIL',
      numbers: { checked, agreed },
    });
  if (r.http) {
    const h = r.http;
    // A scenario that got other statuses than it was built for measured something else: a FAIL, not a figure.
    const only = (x: { statuses: Readonly<Record<string, number>>; requests: number }, status: string) =>
      (x.statuses[status] ?? 0) === x.requests && x.requests > 0;
    const statusesOk = only(h.cached, '304') && only(h.uncached, '200') && only(h.hello, '200');
    const cached = h.cached.rps / h.hello.rps;
    const uncached = h.uncached.rps / h.hello.rps;
    const lat = (x: { latencyP50Ms: number; latencyP99Ms: number }) =>
      `p50 ${x.latencyP50Ms} ms, p99 ${x.latencyP99Ms} ms`;
    out.push(
      {
        size,
        name: `HTTP cached GET (304), ${h.connections} connections, best of ${h.rounds}`,
        chitieu: `${int(h.cached.rps)} req/s (${lat(h.cached)})`,
        reference: `hello ${int(h.hello.rps)} req/s (${lat(h.hello)})`,
        ratio: `${percent(cached)} of hello`,
        goal: '≥ 60% of hello',
        status: statusesOk ? pass(cached >= 0.6) : 'FAIL',
        numbers: { rps: h.cached.rps, helloRps: h.hello.rps, ratio: cached },
      },
      {
        size,
        name: `HTTP uncached GET (200), ${h.connections} connections, best of ${h.rounds}`,
        chitieu: `${int(h.uncached.rps)} req/s (${lat(h.uncached)})`,
        reference: `hello ${int(h.hello.rps)} req/s`,
        ratio: `${percent(uncached)} of hello`,
        goal: '',
        status: '',
        numbers: { rps: h.uncached.rps, helloRps: h.hello.rps, ratio: uncached },
      },
    );
  }
  const m = r.memory.loaded;
  out.push({
    size,
    name: `memory after loading${m.collected ? ' (after GC)' : ' (no GC: run with --expose-gc)'}`,
    chitieu: `RSS ${megabytes(m.rss)}`,
    reference: `heap ${megabytes(m.heapUsed)} (of ${megabytes(m.heapTotal)}) + off-heap ${megabytes(m.external)}; ${m.restMs > 0 ? `after ${Math.round(m.restMs / 1000)} s at rest (${megabytes(m.rssBeforeRest)} before); ` : ''}${m.rounds} collection${m.rounds === 1 ? '' : 's'}; ${megabytes(m.rssAtCollection)} as the first returned; empty ${megabytes(r.memory.baseline.rss)}`,
    ratio: `${percent(m.rss / GB)} of 1 GB`,
    goal: '≤ 1 GB',
    status: pass(m.rss <= GB),
    numbers: {
      rss: m.rss,
      rssAtCollection: m.rssAtCollection,
      rssBeforeRest: m.rssBeforeRest,
      restMs: m.restMs,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      baselineRss: r.memory.baseline.rss,
    },
  });
  const c = r.checkpoint;
  if (c) {
    const ok = c.used && c.sameAnswers;
    out.push({
      size,
      name:
        c.from === 'store' ? 'ready from checkpoint' : 'ready from checkpoint bytes (the store refused them)',
      chitieu: `${duration(c.readyMs)} (${megabytes(c.bytes)} checkpoint)`,
      reference: `full refold ${duration(r.rebuildMs)}`,
      ratio: `${times(r.rebuildMs / c.readyMs)} faster`,
      goal: '< 1 s',
      status: ok ? pass(c.readyMs < 1000) : 'FAIL',
      numbers: { readyMs: c.readyMs, refoldMs: r.rebuildMs, bytes: c.bytes, saveMs: c.saveMs },
    });
  }
  for (const e of r.errors) {
    out.push({
      size,
      name: `${e.step} failed`,
      chitieu: e.message.slice(0, 80),
      reference: '',
      ratio: '',
      goal: '',
      status: 'FAIL',
      numbers: {},
    });
  }
  return out;
};

/** A phase (a size, or the append bench when `events` is null) that failed before producing figures. */
export const failedSize = (events: number | null, message: string): Figure => ({
  size: events === null ? 'any' : sizeLabel(events),
  name: events === null ? 'the append bench failed' : 'the run of this size failed',
  chitieu: message.slice(0, 80),
  reference: '',
  ratio: '',
  goal: '',
  status: 'FAIL',
  numbers: {},
});

/** Every figure of the run, in table order. */
export const figuresOf = (append: readonly AppendCase[] | null, sizes: readonly SizeResult[]): Figure[] => [
  ...(append ? appendFigures(append) : []),
  ...sizes.flatMap(sizeFigures),
];

/** The summary table. */
export const summaryTable = (figures: readonly Figure[]): string =>
  markdownTable(
    ['size', 'figure', 'chitieu', 'reference', 'ratio', 'goal', 'status'],
    figures.map((f) => [f.size, f.name, f.chitieu, f.reference, f.ratio, f.goal, f.status]),
  );

/** How each cost grows with the log: one column per size, per-event cost where it is linear. */
export const growthTable = (sizes: readonly SizeResult[]): string => {
  const perEvent = (ms: number, events: number) =>
    `${duration(ms)} (${((ms * 1000) / events).toFixed(1)} µs/ev)`;
  const row = (name: string, cell: (r: SizeResult) => string) => [name, ...sizes.map(cell)];
  const rows = [
    row('generate + load (SqliteEventStore)', (r) =>
      r.generatedMs > 0 ? perEvent(r.generatedMs, r.events) : 'cached',
    ),
    row('file size', (r) => megabytes(r.fileBytes)),
    row('raw read (SELECT + JSON.parse)', (r) => perEvent(r.rawReadMs, r.events)),
    row('store read (readAll, no fold)', (r) => perEvent(r.storeReadMs, r.events)),
    row('rebuild (full refold)', (r) => perEvent(r.rebuildMs, r.events)),
    row('checkpoint save', (r) => (r.checkpoint?.saveMs == null ? 'refused' : duration(r.checkpoint.saveMs))),
    row('checkpoint size', (r) => (r.checkpoint ? megabytes(r.checkpoint.bytes) : '—')),
    row('ready from checkpoint', (r) => (r.checkpoint ? duration(r.checkpoint.readyMs) : '—')),
    row(
      'RSS after loading at rest (before resting; as the GC returned)',
      (r) =>
        `${megabytes(r.memory.loaded.rss)} (${megabytes(r.memory.loaded.rssBeforeRest)}; ${megabytes(r.memory.loaded.rssAtCollection)})`,
    ),
    // Not RSS: the fold earlier in the same process leaves freed memory with the allocator, not the system.
    row('heap + off-heap after starting from the checkpoint', (r) =>
      r.checkpoint ? megabytes(r.checkpoint.memory.heapUsed + r.checkpoint.memory.external) : '—',
    ),
    row('heap + off-heap after loading', (r) =>
      megabytes(r.memory.loaded.heapUsed + r.memory.loaded.external),
    ),
    row('  of which activity series (own, as-was, as-is)', (r) => {
      const a = r.footprint.activities;
      // Words free in the series' pool (since `word-pool.ts`) are the series' memory too.
      const free = a.pool?.freeBytes ?? 0;
      return `${megabytes(a.own.bytes + a.was.bytes + a.is.bytes + free)} (${int(a.own.entries + a.was.entries + a.is.entries)} entries${a.pool ? `, ${megabytes(free)} free in the pool` : ''})`;
    }),
    row('  of which people cells (arena) and indexes', (r) => {
      const p = r.footprint.people;
      return `${megabytes(p.arena.bytes + p.was.bytes + p.is.bytes)} (${int(p.arena.cells)} cells, ${megabytes(p.arena.freeBytes)} free)`;
    }),
    row('  of which people day registers (month sketches by day)', (r) => {
      const d = r.footprint.people.days;
      return d ? `${megabytes(d.bytes)} (${int(d.records)} months)` : '—';
    }),
    row('  of which people registry, participation logs', (r) => {
      const p = r.footprint.people;
      return `${megabytes(p.registry.bytes)} (${int(p.people)} people), ${megabytes(p.logs.bytes)}`;
    }),
    row('  of which contribution lists (explain)', (r) => megabytes(r.footprint.contributions.bytes)),
    ...(sizes.find((r) => r.queries)?.queries ?? []).flatMap((q, i) => [
      row(`engine p50 / p99: ${q.id}`, (r) => {
        const x = r.queries?.[i];
        return x ? `${duration(x.engine.p50)} / ${duration(x.engine.p99)}` : '—';
      }),
      row('  samples > 0.5 ms; GC pauses (longest)', (r) => {
        const x = r.queries?.[i];
        return x
          ? `${x.engineSlow} of ${int(x.engine.n)}; ${x.engineGc.count} (${duration(x.engineGc.maxMs)})`
          : '—';
      }),
      row(`SQL p50: ${q.id}`, (r) => {
        const x = r.queries?.[i];
        return x ? duration(x.sql.p50) : '—';
      }),
    ]),
    row('HTTP uncached req/s', (r) => (r.http ? int(r.http.uncached.rps) : '—')),
  ];
  return markdownTable(['cost', ...sizes.map((r) => `${sizeLabel(r.events)} events`)], rows);
};
