/** The database layer: open, migrate, and the store and services over it. */
export { createDatabase, dialectOf, isPostgresUrl, withTransaction, type DatabaseOptions, type SqlDialectName } from './database';
export { migrateToLatest, createMigrator, InCodeMigrationProvider } from './migrate';
export { SqlActivityStore, type SqlActivityStoreOptions, activityAwardKey, tallyOf, volunteerServiceMs } from './store';
export * from './services/directory';
export * from './services/registration';
export * from './services/checkin';
export * from './services/ledger';
export { parseCsv, CsvSyntaxError, type CsvRecord } from '../lib/csv';
export { ServiceError, InvalidInputError } from './util';
export type { Database } from './types';
export { createRepositories, type Repositories } from './repositories';
