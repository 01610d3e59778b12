/**
 * The store keeps everything in one PostgreSQL schema, so that several logs (tenants, test runs) can share
 * a database. The name is spliced into SQL and into a NOTIFY channel, hence the strict shape.
 */

export const DEFAULT_SCHEMA = 'chitieu';

// 48 leaves room for the channel suffix within PostgreSQL's 63-byte identifier limit.
const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,47}$/;

/** Advisory-lock namespaces (first key of the two-key form); the second key is `hashtext(schema)`. */
export const LOCK_APPEND = 0x63_68_69_01;
export const LOCK_MIGRATE = 0x63_68_69_02;

export interface SchemaNames {
  readonly schema: string;
  /** `"schema"`, ready to prefix table names. */
  readonly quoted: string;
  /** The NOTIFY channel on which appends to this schema announce the new head. */
  readonly channel: string;
}

/** Checks a schema name and derives the quoted form and the notification channel; throws on a bad name. */
export const schemaNames = (schema: string = DEFAULT_SCHEMA): SchemaNames => {
  if (!SCHEMA_RE.test(schema)) {
    throw new RangeError(
      `schema '${schema}' must be a lowercase identifier: a-z, 0-9 and _, not starting with a digit, at most 48 characters`,
    );
  }
  return { schema, quoted: `"${schema}"`, channel: `${schema}_appended` };
};
