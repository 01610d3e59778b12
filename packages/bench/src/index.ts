export { type AppendCase, benchAppend } from './append-bench.ts';
export { type BenchOptions, parseBenchArgs, parseSize, SMOKE_EVENTS, sizeLabel } from './bench-options.ts';
export { type CachedLog, ensureCachedLog } from './log-cache.ts';
export { runBench } from './main.ts';
export { type Figure, figuresOf, growthTable, type Status, summaryTable } from './report.ts';
export type { BenchResults } from './results.ts';
export { benchSize, type SizeResult } from './size-bench.ts';
export { type Additive, type DateRange, SqlReference } from './sql-reference.ts';
