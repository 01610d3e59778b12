export { CHECKPOINT_PART_BYTES, type Checkpoint } from './checkpoints.ts';
export { MIGRATIONS, type Migration, migrate, SchemaTooNewError } from './schema.ts';
export {
  CHECKPOINT_FILE_BYTES,
  SqliteEventStore,
  type SqliteEventStoreOptions,
} from './sqlite-event-store.ts';
export { monotonicUlid } from './ulid.ts';
