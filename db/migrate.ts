/** Brings the schema up to date with the migrations compiled into the program. */
import { type Kysely, type Migration, type MigrationProvider, type MigrationResult, type MigrationResultSet, Migrator, sql } from 'kysely';
import { dialectOf } from './database';
import { migrations } from './migrations';

export class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly list: Record<string, Migration> = migrations) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(Object.entries(this.list).map(([name, m]) => [name, atomicOnSqlite(m)]));
  }
}

/**
 * Kysely runs PostgreSQL migrations in a transaction but SQLite ones without (its adapter claims no
 * transactional DDL, though SQLite has it): a failing SQLite migration would leave half its tables
 * behind and block every later run. Each SQLite migration runs inside a SAVEPOINT instead.
 */
function atomicOnSqlite(m: Migration): Migration {
  const wrap =
    (fn: (db: Kysely<any>) => Promise<void>) =>
    async (db: Kysely<any>): Promise<void> => {
      if (dialectOf(db) !== 'sqlite') return fn(db);
      await sql`savepoint kysely_migration_step`.execute(db);
      try {
        await fn(db);
      } catch (error) {
        await sql`rollback to savepoint kysely_migration_step`.execute(db).catch(() => undefined);
        await sql`release savepoint kysely_migration_step`.execute(db).catch(() => undefined);
        throw error;
      }
      await sql`release savepoint kysely_migration_step`.execute(db);
    };
  return { up: wrap(m.up), ...(m.down && { down: wrap(m.down) }) };
}

/**
 * Kysely locks PostgreSQL migrations (an advisory lock) but not SQLite ones, so a worker and an API
 * started together on a fresh file both ran 001 (`table "compounds" already exists`). Here the
 * whole run, from reading the migration table to the last step, holds SQLite's write lock
 * (BEGIN EXCLUSIVE): a second process waits for it (busy_timeout), then finds nothing left to do.
 * A failed step is rolled back to its savepoint, so the steps before it are committed.
 */
async function migrateSqliteExclusively(db: Kysely<any>, list: Record<string, Migration>): Promise<MigrationResultSet> {
  return db.connection().execute(async (conn) => {
    await sql`begin exclusive`.execute(conn);
    let outcome: MigrationResultSet;
    try {
      outcome = await createMigrator(conn, list).migrateToLatest();
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
    await sql`commit`.execute(conn);
    return outcome;
  });
}

export function createMigrator(db: Kysely<any>, list: Record<string, Migration> = migrations): Migrator {
  return new Migrator({ db, provider: new InCodeMigrationProvider(list) });
}

/**
 * Runs every pending migration (each in a transaction) and returns what ran; throws an Error naming
 * the failed migration and the cause. `list` is for tests; the default is every migration in code.
 */
export async function migrateToLatest(db: Kysely<any>, list: Record<string, Migration> = migrations): Promise<MigrationResult[]> {
  const { error, results = [] } = dialectOf(db) === 'sqlite' ? await migrateSqliteExclusively(db, list) : await createMigrator(db, list).migrateToLatest();
  if (error) {
    const failed = results.filter((r) => r.status === 'Error').map((r) => r.migrationName);
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(
      `database migration failed${failed.length ? ` at ${failed.join(', ')}` : ''}: ${cause}` +
        (results.some((r) => r.status === 'NotExecuted') ? ' (later migrations were not run)' : ''),
      { cause: error },
    );
  }
  return results;
}
