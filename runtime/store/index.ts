/** The run store: the interface, its SQLite implementation and its errors. */
export * from './types.js';
export * from './errors.js';
export { graphIdFor, slugify } from './graph-id.js';
export { openSqliteStore, SqliteRunStore, DEFAULT_BUSY_TIMEOUT_MS } from './sqlite.js';
export type { SqliteStoreOptions } from './sqlite.js';
export type { WriteBehindStats } from './write-behind.js';
