export { type App, type AppOptions, createApp } from './app.ts';
export { holds, type Principal } from './auth/principal.ts';
export {
  generateToken,
  hashToken,
  parseTokens,
  type Scope,
  type TokenEntry,
  TokenTable,
} from './auth/tokens.ts';
export { readConfig, type ServerConfig } from './config.ts';
export { DEFAULT_LIMITS, type Limits } from './context.ts';
export { loadFixturesIfEmpty } from './load-fixtures.ts';
export { jsonLogger, type Logger, memoryLogger, silentLogger } from './logging.ts';
export {
  configFromEnv,
  main,
  type OpenedStore,
  openStoreFromEnv,
  start,
} from './main.ts';
export { openApiDocument } from './openapi/document.ts';
export { redactEvent } from './privacy/redact.ts';
export { type SuppressionOptions, suppressIndicator, suppressTarget } from './privacy/suppress.ts';
export { HttpProblem, PROBLEM_BASE, type Problem, problemResponse, toProblem } from './problem.ts';
