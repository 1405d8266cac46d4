import { type Kysely, sql } from 'kysely';
import { createDatabase, dialectOf } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { migrations } from '../../db/migrations';
import { DIALECTS, createTestDatabase } from './harness';

describe.each(DIALECTS)('migrations on %s', (dialect) => {
  it('create every table on an empty database, and a second run does nothing', async () => {
    const t = await createTestDatabase(dialect, { migrate: false });
    try {
      expect(dialectOf(t.db)).toBe(dialect);
      const results = await migrateToLatest(t.db);
      expect(results.map((r) => [r.migrationName, r.status])).toEqual(Object.keys(migrations).sort().map((name) => [name, 'Success']));
      const tables = (await t.db.introspection.getTables()).map((x) => x.name).sort();
      expect(tables).toEqual(
        expect.arrayContaining([
          'activities',
          'check_ins',
          'compounds',
          'email_outbox',
          'families',
          'merchants',
          'points_entries',
          'redemptions',
          'registrations',
          'rewards',
          'staff',
          'venues',
          'volunteer_signups',
          'volunteers',
        ]),
      );
      expect(await migrateToLatest(t.db)).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('a failing migration stops with an error that names it, and leaves nothing half-done', async () => {
    const t = await createTestDatabase(dialect, { migrate: false });
    try {
      await migrateToLatest(t.db);
      const broken = {
        ...migrations,
        '999_broken': {
          up: async (db: Kysely<any>) => {
            await db.schema.createTable('half_done').addColumn('id', 'text').execute();
            await sql`select * from no_such_table`.execute(db);
          },
        },
      };
      await expect(migrateToLatest(t.db, broken)).rejects.toThrow(/database migration failed at 999_broken: .*no_such_table/);
      const tables = (await t.db.introspection.getTables()).map((x) => x.name);
      expect(tables).toContain('families'); // the earlier migrations stay
      expect(tables).not.toContain('half_done'); // the failed one was rolled back
      // …so the next run, with the migration fixed, succeeds.
      const fixed = {
        ...migrations,
        '999_broken': {
          up: async (db: Kysely<any>) => {
            await db.schema.createTable('half_done').addColumn('id', 'text').execute();
          },
        },
      };
      expect((await migrateToLatest(t.db, fixed)).map((r) => r.status)).toEqual(['Success']);
    } finally {
      await t.close();
    }
  });
});

it('createDatabase chooses the dialect from the URL', async () => {
  const pg = createDatabase({ url: 'postgresql://postgres@127.0.0.1:5432/test' });
  const lite = createDatabase({ sqlitePath: ':memory:' });
  try {
    expect(dialectOf(pg)).toBe('postgres');
    expect(dialectOf(lite)).toBe('sqlite');
    expect(() => createDatabase({})).toThrow(/postgres:\/\/ url or a sqlitePath/);
  } finally {
    await pg.destroy();
    await lite.destroy();
  }
});
