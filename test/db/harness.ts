/**
 * Test harness for the database layer, reusable by any test folder:
 *
 *   import { DIALECTS, useTestDatabase } from '../db/harness';
 *   describe.each(DIALECTS)('on %s', (dialect) => {
 *     const t = useTestDatabase(dialect);        // fresh, migrated; dropped after the file
 *     it('…', async () => { await t.db.selectFrom('families')… });
 *   });
 *
 * PostgreSQL: a new database `cg_<random>` is created on the server of TEST_DATABASE_URL
 * (default postgres://postgres@127.0.0.1:5432/test) and dropped afterwards. SQLite: a file in a
 * new temporary folder, removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { Client } from 'pg';
import { createDatabase } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import type { Database } from '../../db/types';

export type DialectName = 'sqlite' | 'postgres';
export const DIALECTS: DialectName[] = ['sqlite', 'postgres'];
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  dialect: DialectName;
  db: Kysely<Database>;
  /** What createDatabase was given: a postgres:// URL or a SQLite file path. */
  url: string;
  /** Closes the connections and drops the database (or deletes the file). */
  close(): Promise<void>;
}

/** A fresh database on `dialect`, migrated unless `migrate: false`. */
export async function createTestDatabase(dialect: DialectName, opts: { migrate?: boolean; poolSize?: number } = {}): Promise<TestDatabase> {
  let db: Kysely<Database>;
  let url: string;
  let cleanup: () => Promise<void>;
  if (dialect === 'postgres') {
    const name = `cg_${randomBytes(8).toString('hex')}`;
    const admin = new Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const u = new URL(TEST_PG_URL);
    u.pathname = `/${name}`;
    url = u.toString();
    db = createDatabase({ url, poolSize: opts.poolSize ?? 20 });
    cleanup = async () => {
      const drop = new Client({ connectionString: TEST_PG_URL });
      await drop.connect();
      try {
        await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await drop.end();
      }
    };
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-db-'));
    url = path.join(dir, 'nested', 'test.sqlite'); // createDatabase makes the parent folder
    db = createDatabase({ sqlitePath: url });
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  }
  try {
    if (opts.migrate !== false) await migrateToLatest(db);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    await cleanup();
    throw error;
  }
  let closed = false;
  return {
    dialect,
    db,
    url,
    close: async () => {
      if (closed) return;
      closed = true;
      await db.destroy().catch(() => undefined);
      await cleanup();
    },
  };
}

/**
 * Jest helper: a fresh migrated database for the enclosing describe block, created in beforeAll and
 * dropped in afterAll. Read `.db` inside tests (not at describe time).
 */
export function useTestDatabase(dialect: DialectName, opts: { poolSize?: number } = {}): { readonly db: Kysely<Database>; readonly dialect: DialectName; readonly url: string } {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await createTestDatabase(dialect, opts);
  });
  afterAll(async () => {
    await current?.close();
  });
  const need = () => {
    if (!current) throw new Error('the test database is not ready (use it inside a test or hook)');
    return current;
  };
  return {
    get db() {
      return need().db;
    },
    get dialect() {
      return dialect;
    },
    get url() {
      return need().url;
    },
  };
}

/** A clock tests move by hand. */
export class TestClock {
  private t: number;
  constructor(start: string | number = '2025-05-01T00:00:00.000Z') {
    this.t = typeof start === 'number' ? start : Date.parse(start);
  }
  readonly now = (): Date => new Date(this.t);
  set(at: string): void {
    this.t = Date.parse(at);
  }
  advance(ms: number): void {
    this.t += ms;
  }
  iso(): string {
    return new Date(this.t).toISOString();
  }
}

let counter = 0;
/** A short unique id prefix so tests sharing one database do not collide. */
export function uniq(prefix = 't'): string {
  counter += 1;
  return `${prefix}${counter}-${randomBytes(3).toString('hex')}`;
}
