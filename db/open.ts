/**
 * Opening the database at process start, for the API and the worker: says what it connects to
 * (never the password), waits a bounded time for it to answer, then migrates. A PostgreSQL that
 * accepts the connection but never answers used to hang start-up with no log line and no port.
 */
import { sql, type Kysely } from 'kysely';
import { createDatabase, isPostgresUrl } from './database';
import { migrateToLatest } from './migrate';
import type { Database } from './types';

export interface OpenDatabaseOptions {
  url: string | undefined;
  sqlitePath: string;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
}

export class DatabaseStartError extends Error {
  override readonly name = 'DatabaseStartError';
}

/** The database as a person would name it: `PostgreSQL at host:5432/db` or `SQLite file data/app.sqlite`. */
export function describeDatabase(opts: Pick<OpenDatabaseOptions, 'url' | 'sqlitePath'>): string {
  if (!isPostgresUrl(opts.url)) return `SQLite file ${opts.sqlitePath}`;
  const u = new URL(opts.url);
  return `PostgreSQL at ${u.hostname || u.searchParams.get('host') || 'localhost'}:${u.port || '5432'}${u.pathname || '/'}`;
}

export async function openDatabase(opts: OpenDatabaseOptions, log: (line: string) => void = console.info): Promise<Kysely<Database>> {
  const what = describeDatabase(opts);
  const seconds = Math.round(opts.connectTimeoutMs / 1000);
  log(`database: connecting to ${what} (waiting up to ${seconds} s for it to answer)`);
  const db = createDatabase({
    ...(isPostgresUrl(opts.url) ? { url: opts.url } : { sqlitePath: opts.sqlitePath }),
    connectTimeoutMs: opts.connectTimeoutMs,
    queryTimeoutMs: opts.queryTimeoutMs,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      sql`select 1`.execute(db),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${seconds} s`)), opts.connectTimeoutMs);
      }),
    ]);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseStartError(`DATABASE_URL: cannot use ${what}: ${reason}. Check that the server runs and answers, and the URL (DATABASE_URL) names it.`);
  } finally {
    clearTimeout(timer);
  }
  await migrateToLatest(db);
  log(`database: ${what} is up to date`);
  return db;
}
