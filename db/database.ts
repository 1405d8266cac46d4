/**
 * Opens the database: PostgreSQL when given a postgres:// URL, SQLite otherwise.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, sql, type KyselyConfig, type SqliteDatabase } from 'kysely';
import { Pool } from 'pg';
import type { ActivityRow, Database } from './types';

export type SqlDialectName = 'sqlite' | 'postgres';

export interface DatabaseOptions {
  /** postgres://… or postgresql://… selects PostgreSQL; anything else is read as a SQLite path (`sqlite:` / `file:` prefixes allowed). */
  url?: string;
  /** SQLite file path, or ':memory:'. Used when `url` is not a PostgreSQL URL. */
  sqlitePath?: string;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** SQLite busy timeout in ms (default 5000). */
  busyTimeoutMs?: number;
  /** PostgreSQL: how long a new connection may take, handshake included (default 10 s). */
  connectTimeoutMs?: number;
  /** PostgreSQL: the longest one query may take, client side (default 30 s): a server that stops answering must not hang a request. */
  queryTimeoutMs?: number;
  /** SQLite: how many prepared statements to keep for reuse (default 200; 0 prepares every query anew). */
  sqliteStatementCache?: number;
  /** Kysely's query log hook (every statement, BEGIN and COMMIT included): the tests count statements with it. */
  log?: KyselyConfig['log'];
}

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//i.test(url);
}

export function createDatabase(opts: DatabaseOptions): Kysely<Database> {
  if (isPostgresUrl(opts.url)) {
    const pool = new Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
      query_timeout: opts.queryTimeoutMs ?? 30_000,
    });
    // An idle client that errors (server restart) must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...(opts.log ? { log: opts.log } : {}) });
    // With a log hook (the tests count statements through it) every statement goes through Kysely, so the hook sees it.
    if (!opts.log) pgPools.set(db, pool);
    return db;
  }
  const file = opts.sqlitePath ?? sqlitePathFromUrl(opts.url);
  if (!file) throw new Error('createDatabase: give a postgres:// url or a sqlitePath');
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  // First, so that switching a fresh file to WAL while another process does the same waits, not fails.
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
  if (file !== ':memory:') sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const database = withStatementCache(sqlite, opts.sqliteStatementCache ?? 200);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }), ...(opts.log ? { log: opts.log } : {}) });
  if (!opts.log) sqliteHandles.set(db, { sqlite, statements: new Map() });
  return db;
}

/**
 * The SQLite database as Kysely's driver sees it, with its prepared statements kept for reuse:
 * the driver prepares every query it runs, and preparing costs as much as running a small one.
 * The most recently used `size` statements are kept, by their SQL text (Kysely's SQL holds
 * parameters as `?`, so one query's text is the same on every call). A statement still being
 * iterated is never handed out twice: a fresh one is prepared instead. `onPrepare` is called
 * for each statement actually prepared (the tests count them).
 */
export function withStatementCache(sqlite: BetterSqlite3.Database, size: number, onPrepare?: (sql: string) => void): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = (text: string) => {
    onPrepare?.(text);
    return sqlite.prepare(text);
  };
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      if (size <= 0) return prepare(text);
      const cached = cache.get(text);
      if (cached && !cached.busy) {
        // Map order is insertion order: re-inserting marks it most recently used.
        cache.delete(text);
        cache.set(text, cached);
        return cached;
      }
      if (cached) return prepare(text);
      const statement = prepare(text);
      cache.set(text, statement);
      if (cache.size > size) cache.delete(cache.keys().next().value as string);
      return statement;
    },
  };
}

function sqlitePathFromUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  return url.replace(/^sqlite:(\/\/)?/i, '').replace(/^file:(\/\/)?/i, '') || undefined;
}

/** The pg pool behind a database opened by createDatabase (and not logging), for executePrepared. */
const pgPools = new WeakMap<Kysely<any>, Pool>();
/** The better-sqlite3 connection behind one (not logging), and executePrepared's statements on it by name. */
const sqliteHandles = new WeakMap<Kysely<any>, { sqlite: BetterSqlite3.Database; statements: Map<string, BetterSqlite3.Statement> }>();

/** One statement in both dialects' words: `?` placeholders for SQLite, `$n` for PostgreSQL. */
export interface PreparedStatement {
  /** PostgreSQL's name for it on each connection (unique per statement text). */
  name: string;
  sqlite: string;
  postgres: string;
}

/**
 * Runs one hot statement without building it: on PostgreSQL as a named prepared statement (parsed
 * and planned once per connection, then only bound and run), on SQLite as a better-sqlite3
 * statement prepared once and run directly (through Kysely's one connection only while a
 * transaction is open on it, so it never lands inside another request's transaction). A single statement outside a transaction commits itself. `params` are
 * for the dialect's text: SQLite's `?` are positional, so a value used twice is given twice.
 */
export async function executePrepared<R>(db: Kysely<Database>, statement: PreparedStatement, params: { sqlite: readonly unknown[]; postgres: readonly unknown[] }): Promise<R[]> {
  if (dialectOf(db) === 'postgres') {
    const pool = pgPools.get(db);
    if (pool) return (await pool.query({ name: statement.name, text: statement.postgres, values: [...params.postgres] })).rows as R[];
    return (await db.executeQuery<R>(CompiledQuery.raw(statement.postgres, [...params.postgres]))).rows as R[];
  }
  const handle = sqliteHandles.get(db);
  // better-sqlite3 runs a statement synchronously, so nothing else runs on the connection meanwhile;
  // only an open transaction (another request's BEGIN … COMMIT, awaiting) must not take it in, so
  // then the statement waits its turn through Kysely's connection like any other.
  if (handle && !handle.sqlite.inTransaction) {
    let prepared = handle.statements.get(statement.name);
    if (!prepared) {
      prepared = handle.sqlite.prepare(statement.sqlite);
      handle.statements.set(statement.name, prepared);
    }
    return (prepared.reader ? prepared.all(...params.sqlite) : (prepared.run(...params.sqlite), [])) as R[];
  }
  return (await db.executeQuery<R>(CompiledQuery.raw(statement.sqlite, [...params.sqlite]))).rows as R[];
}

/** Which SQL dialect a Kysely instance (or a transaction of it) talks. */
export function dialectOf(db: Kysely<any>): SqlDialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * Runs `fn` in a write transaction. On PostgreSQL: an ordinary READ COMMITTED transaction (the
 * services take row locks where they need them). On SQLite: `BEGIN IMMEDIATE`, so the write lock is
 * taken up front and two processes sharing the file wait (busy_timeout) instead of failing when a
 * read transaction tries to become a write one. `fn` must use the executor it is given, never `db`.
 */
export async function withTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (dialectOf(db) === 'postgres') return db.transaction().execute(fn);
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    let result: T;
    try {
      result = await fn(conn);
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
    await sql`commit`.execute(conn);
    return result;
  });
}

/**
 * The activity's row inside a write transaction, locked on PostgreSQL until the transaction ends:
 * `update` for a writer of the row, `share` for a reader that needs it unchanged (SQLite's BEGIN
 * IMMEDIATE already serialises writers). Undefined when no such activity is recorded.
 */
export async function lockActivityRow(trx: Kysely<Database>, activityId: string, mode: 'update' | 'share' = 'update'): Promise<ActivityRow | undefined> {
  const q = trx.selectFrom('activities').selectAll().where('id', '=', activityId);
  if (dialectOf(trx) !== 'postgres') return q.executeTakeFirst();
  return (mode === 'share' ? q.forShare() : q.forUpdate()).executeTakeFirst();
}

/** True for a unique or primary-key violation on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True for a foreign-key violation on either dialect. */
export function isForeignKeyViolation(error: unknown): boolean {
  const e = error as { code?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  return e.code === '23503' || e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
