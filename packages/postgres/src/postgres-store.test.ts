import { postgresStoreSuite } from './store-suite.ts';
import { pgliteDatabase, shared } from './test-database.ts';

/**
 * Runs everywhere, with no server: the contract and the store's own behaviours on PGlite, PostgreSQL
 * compiled to WASM and run in process. The same suite runs on a real server in postgres-store.int.test.ts.
 */
postgresStoreSuite('PGlite', shared(pgliteDatabase));
