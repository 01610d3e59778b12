import { answerIndicator, type Clock, type Engine, type IndicatorResult } from '@chitieu/core';
import { mulberry32 } from '@chitieu/fixtures';
import { type GcPauses, watchGc } from './gc-watch.ts';
import type { Progress } from './progress.ts';
import { type Agreement, type Draw, queryKinds } from './query-kinds.ts';
import type { SqlReference } from './sql-reference.ts';
import { msSince, type Summary, summarise } from './stats.ts';

/** One kind of question: the engine's latency, SQLite's, and whether their answers agreed. */
export interface QueryResult {
  readonly id: string;
  readonly label: string;
  /** Milliseconds per query from warm projections. */
  readonly engine: Summary;
  /** Samples above 0.5 ms, and the GC pauses during the timed engine loop: where the p99 comes from. */
  readonly engineSlow: number;
  readonly engineGc: GcPauses;
  /** The five slowest engine queries: a tail made of a few big units differs from one made of pauses. */
  readonly engineSlowest: readonly { readonly ms: number; readonly unit: string; readonly period: string }[];
  /** Milliseconds per query in SQLite (fewer samples: each can take seconds). */
  readonly sql: Summary;
  readonly checked: number;
  readonly agreed: number;
  /** The first disagreements, for the report. */
  readonly disagreements: readonly (Agreement & { readonly query: Draw['query'] })[];
}

export interface QueryBenchOptions {
  readonly seed: number;
  /** Engine queries per kind (each timed on its own). */
  readonly iterations: number;
  /** SQL queries per kind: at least `sqlMin`, then more while under `sqlBudgetMs`, up to `sqlMax`. */
  readonly sqlMin: number;
  readonly sqlMax: number;
  readonly sqlBudgetMs: number;
  readonly progress: Progress;
}

/**
 * Times each kind of question on the engine (many random units and periods from a fixed seed, each timed
 * with hrtime after a warm-up pass) and in SQL, checking the two answers against each other as it goes.
 */
export const benchQueries = async (
  engine: Engine,
  clock: Clock,
  sql: SqlReference,
  provinces: readonly string[],
  options: QueryBenchOptions,
): Promise<QueryResult[]> => {
  const out: QueryResult[] = [];
  for (const [k, kind] of queryKinds(provinces).entries()) {
    const rng = mulberry32(options.seed * 31 + k);
    const draws = Array.from({ length: options.iterations }, () => kind.draw(rng));
    options.progress.update(`queries: ${kind.label}: engine`, 0);
    // Warm-up: other questions of the kind (another seed, so none of the timed ones is asked before it is
    // timed), as many as will be timed or for a second, whichever ends first: the JIT compiles the paths a
    // kind takes after a few hundred heavy queries, and a server that has been answering for a while runs
    // compiled code. 200 were too few for people at 10M: a quarter of the timed loop still ran while the
    // union's functions were being optimised, doubling its p90.
    const warmRng = mulberry32(options.seed * 31 + k + 7_919);
    const warmStart = Date.now();
    for (let i = 0; i < options.iterations && Date.now() - warmStart < 1_000; i++) {
      answerIndicator(engine, kind.draw(warmRng).query, clock);
    }
    const samples: number[] = [];
    const answers: IndicatorResult[] = [];
    const gc = watchGc();
    for (const d of draws) {
      const start = process.hrtime.bigint();
      const answer = answerIndicator(engine, d.query, clock);
      samples.push(msSince(start));
      if (answers.length < options.sqlMax + 1) answers.push(answer);
    }
    const engineGc = await gc.stop();
    const sqlSamples: number[] = [];
    const disagreements: (Agreement & { query: Draw['query'] })[] = [];
    let checked = 0;
    let agreed = 0;
    const began = Date.now();
    for (let i = 0; i <= options.sqlMax && i < answers.length; i++) {
      if (i > options.sqlMin && Date.now() - began > options.sqlBudgetMs) break;
      options.progress.update(`queries: ${kind.label}: SQL ${i} of at most ${options.sqlMax}`);
      const start = process.hrtime.bigint();
      const agreement = kind.check(sql, draws[i]!, answers[i]!);
      const ms = msSince(start);
      // The first SQL call of a kind is a warm-up (statement and page cache); it still counts for agreement.
      if (i > 0) sqlSamples.push(ms);
      checked++;
      if (agreement.agrees) agreed++;
      else if (disagreements.length < 3) disagreements.push({ ...agreement, query: draws[i]!.query });
    }
    const result: QueryResult = {
      id: kind.id,
      label: kind.label,
      engine: summarise(samples),
      engineSlow: samples.filter((ms) => ms > 0.5).length,
      engineGc,
      engineSlowest: samples
        .map((ms, i) => ({ ms, unit: draws[i]!.query.unit, period: draws[i]!.query.period }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 5),
      sql: summarise(sqlSamples),
      checked,
      agreed,
      disagreements,
    };
    options.progress.done(
      `queries: ${kind.label}: engine p50 ${(result.engine.p50 * 1000).toFixed(1)} µs, p99 ${(result.engine.p99 * 1000).toFixed(1)} µs; SQL p50 ${result.sql.p50.toFixed(2)} ms; ${agreed}/${checked} agree`,
    );
    out.push(result);
  }
  return out;
};
