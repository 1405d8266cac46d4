/**
 * A check-in is at most four SQL statements in one transaction (BEGIN, one INSERT … SELECT,
 * COMMIT; one SELECT more only when nothing was written), counted by Kysely's query log on a
 * second connection to the same database; and on SQLite a check-in after the first prepares no
 * statement again (db/database.ts withStatementCache).
 */
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type LogEvent } from 'kysely';
import { createDatabase, withStatementCache } from '../../db/database';
import { CheckIns } from '../../db/services/checkin';
import { Registrations } from '../../db/services/registration';
import { SqlActivityStore } from '../../db/store';
import type { Database } from '../../db/types';
import { seedWorld } from './fixtures';
import { DIALECTS, useTestDatabase } from './harness';

const WINDOW = { opensAt: '2025-05-10T00:30:00Z', closesAt: '2025-05-10T04:30:00Z' };

describe.each(DIALECTS)('check-in statements on %s', (dialect) => {
  const t = useTestDatabase(dialect);
  let counted: Kysely<Database>;
  let statements: string[] = [];
  const log = (event: LogEvent) => {
    statements.push(event.query.sql.trim().split(/\s+/)[0]!.toLowerCase());
  };
  /** The statements `fn` ran, by their first word. */
  async function statementsOf(fn: () => Promise<unknown>): Promise<string[]> {
    statements = [];
    await fn().catch(() => undefined);
    return statements;
  }

  beforeAll(() => {
    counted = dialect === 'postgres' ? createDatabase({ url: t.url, poolSize: 2, log }) : createDatabase({ sqlitePath: t.url, log });
  });
  afterAll(async () => {
    await counted.destroy();
  });

  it('each kind of check-in and each refusal runs at most four statements, in one transaction', async () => {
    const w = await seedWorld(t.db, { families: 5, volunteers: 1 });
    const closed = await seedWorld(t.db);
    await new SqlActivityStore(t.db).openAttendance(w.activityId, WINDOW);
    const [registered, cancelled, plain, byToken, other] = w.families as [string, string, string, string, string];
    const registrations = new Registrations(t.db);
    await registrations.register(w.activityId, registered, 4);
    await registrations.register(w.activityId, cancelled, 5);
    await registrations.cancel(w.activityId, cancelled);
    const checkIns = new CheckIns(counted);
    const activityId = w.activityId;

    const results: Record<string, unknown> = {};
    const cases: [string, () => Promise<unknown>, string[]][] = [
      ['registered family', () => checkIns.checkIn({ activityId, personKind: 'family', personId: registered, method: 'qr', nonce: 'n-1' }), ['begin', 'insert', 'commit']],
      ['cancelled registration', () => checkIns.checkIn({ activityId, personKind: 'family', personId: cancelled, method: 'qr' }), ['begin', 'insert', 'commit']],
      ['members given', () => checkIns.checkIn({ activityId, personKind: 'family', personId: plain, members: 3, method: 'staff' }), ['begin', 'insert', 'commit']],
      ['family by QR token', () => checkIns.checkIn({ activityId, personKind: 'family', qrToken: `qr-${byToken}`, method: 'qr' }), ['begin', 'insert', 'commit']],
      ['volunteer', () => checkIns.checkIn({ activityId, personKind: 'volunteer', personId: w.volunteers[0] as string, method: 'link' }), ['begin', 'insert', 'commit']],
      ['retry with its nonce', () => checkIns.checkIn({ activityId, personKind: 'family', personId: registered, method: 'qr', nonce: 'n-1' }), ['begin', 'insert', 'select', 'commit']],
      ['already checked in', () => checkIns.checkIn({ activityId, personKind: 'family', personId: registered, method: 'link' }), ['begin', 'insert', 'select', 'commit']],
      ['nonce reused', () => checkIns.checkIn({ activityId, personKind: 'family', personId: other, method: 'qr', nonce: 'n-1' }), ['begin', 'insert', 'select', 'rollback']],
      ['not open', () => checkIns.checkIn({ activityId: closed.activityId, personKind: 'family', personId: closed.families[0] as string, method: 'qr' }), ['begin', 'insert', 'select', 'rollback']],
      ['no activity', () => checkIns.checkIn({ activityId: 'no-such-activity', personKind: 'family', personId: registered, method: 'qr' }), ['begin', 'insert', 'select', 'rollback']],
    ];
    for (const [name, run, expected] of cases) {
      const ran = await statementsOf(async () => {
        results[name] = await run().catch((e: { code?: string }) => e.code);
      });
      expect({ name, ran }).toEqual({ name, ran: expected });
    }
    // The answers are the service's as before: members from the registration, else the family's size.
    expect(results).toMatchObject({
      'registered family': { status: 'checkedIn', members: 4 },
      'cancelled registration': { status: 'checkedIn', members: 2 },
      'members given': { status: 'checkedIn', members: 3 },
      'family by QR token': { status: 'checkedIn', personId: byToken, members: 2 },
      volunteer: { status: 'checkedIn', members: 1 },
      'retry with its nonce': { status: 'checkedIn', members: 4 },
      'already checked in': { status: 'alreadyCheckedIn', members: 4 },
      'nonce reused': 'NONCE_REUSED',
      'not open': 'ATTENDANCE_NOT_OPEN',
      'no activity': 'ACTIVITY_NOT_FOUND',
    });
  });

  if (dialect === 'sqlite') {
    it('on SQLite a check-in prepares its statements once: the next check-ins reuse them', async () => {
      const w = await seedWorld(t.db, { families: 5 });
      await new SqlActivityStore(t.db).openAttendance(w.activityId, WINDOW);
      const prepared: string[] = [];
      const raw = new BetterSqlite3(t.url);
      raw.pragma('busy_timeout = 5000');
      const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw, 200, (sql) => prepared.push(sql)) }) });
      try {
        const checkIns = new CheckIns(db);
        const checkIn = (personId: string) => checkIns.checkIn({ activityId: w.activityId, personKind: 'family', personId, method: 'qr' });
        await checkIn(w.families[0] as string);
        const first = prepared.length;
        expect(first).toBe(3);
        for (const f of w.families.slice(1)) await expect(checkIn(f)).resolves.toMatchObject({ status: 'checkedIn' });
        expect(prepared).toHaveLength(first);
      } finally {
        await db.destroy();
      }
    });
  }
});
