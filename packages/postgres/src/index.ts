export { CHECKPOINT_PART_BYTES, type Checkpoint } from './checkpoints.ts';
export { MIGRATIONS, type Migration, migrate } from './migrations.ts';
export { type PostgresEnvOptions, postgresOptionsFromEnv } from './options-from-env.ts';
export { type PgPoolClientOptions, pgPoolClient } from './pg-pool-client.ts';
export { type PgliteLike, pgliteClient } from './pglite-client.ts';
export {
  type PostgresConnection,
  PostgresEventStore,
  type PostgresEventStoreOptions,
} from './postgres-store.ts';
export { DEFAULT_SCHEMA, type SchemaNames, schemaNames } from './schema-name.ts';
export type { SqlClient, SqlQueryable } from './sql-client.ts';
