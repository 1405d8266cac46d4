/**
 * The desk's one-statement check-in (CheckIns.checkInByQrToken), on SQLite and PostgreSQL: it
 * writes the row only in the common case (the activity admits check-in now, the card is a family's
 * or a volunteer's, the staff member's compound scope admits both with nothing to audit) and
 * writes nothing otherwise, so the full path can word the answer. One statement, no transaction
 * around it; on PostgreSQL the activity row is read FOR SHARE, so it cannot slip past the close.
 */
import type { Kysely, LogEvent } from 'kysely';
import { createDatabase, withTransaction } from '../../db/database';
import { CheckIns } from '../../db/services/checkin';
import { Directory } from '../../db/services/directory';
import { Registrations } from '../../db/services/registration';
import { SqlActivityStore } from '../../db/store';
import type { Database } from '../../db/types';
import { seedWorld } from './fixtures';
import { DIALECTS, TestClock, useTestDatabase } from './harness';

const WINDOW = { opensAt: '2025-05-10T00:30:00.000Z', closesAt: '2025-05-10T04:30:00.000Z' };

describe.each(DIALECTS)('check-in by QR token in one statement on %s', (dialect) => {
  const t = useTestDatabase(dialect, { poolSize: 25 });
  const rows = (activityId: string) => t.db.selectFrom('check_ins').selectAll().where('activity_id', '=', activityId).orderBy('person_id').execute();

  async function openWorld(opts: Parameters<typeof seedWorld>[1] = {}) {
    const w = await seedWorld(t.db, opts);
    await new SqlActivityStore(t.db).openAttendance(w.activityId, WINDOW);
    return w;
  }

  function service(at = '2025-05-10T01:00:00.000Z') {
    const clock = new TestClock(at);
    return { clock, checkIns: new CheckIns(t.db, { now: clock.now }) };
  }

  it('checks in the common case with the full path’s members, method, nonce and staff member', async () => {
    const w = await openWorld({ families: 4, volunteers: 1 });
    const [registered, cancelled, plain, given] = w.families as [string, string, string, string];
    const registrations = new Registrations(t.db);
    await registrations.register(w.activityId, registered, 4);
    await registrations.register(w.activityId, cancelled, 5);
    await registrations.cancel(w.activityId, cancelled);
    const { checkIns } = service();
    const scan = (qrToken: string, o: { nonce?: string; members?: number } = {}) =>
      checkIns.checkInByQrToken({ activityId: w.activityId, qrToken, checkedInBy: 'staff-1', staffCompound: w.compoundId, ...o });

    const at = '2025-05-10T01:00:00.000Z';
    expect(await scan(`qr-${registered}`, { nonce: 'n-1' })).toEqual({ status: 'checkedIn', at, personKind: 'family', personId: registered, members: 4 });
    expect(await scan(`qr-${cancelled}`)).toMatchObject({ personId: cancelled, members: 2 });
    expect(await scan(`qr-${plain}`)).toMatchObject({ personId: plain, members: 2 });
    expect(await scan(`qr-${given}`, { members: 3 })).toMatchObject({ personId: given, members: 3 });
    // A volunteer counts one, whatever members were given.
    const v = w.volunteers[0] as string;
    expect(await scan(`qr-${v}`, { members: 5 })).toEqual({ status: 'checkedIn', at, personKind: 'volunteer', personId: v, members: 1 });

    const written = await rows(w.activityId);
    expect(written.map((r) => [r.person_id, r.person_kind, Number(r.members), r.method, r.nonce, r.checked_in_by, r.checked_in_at, r.checked_out_at])).toEqual(
      [
        [registered, 'family', 4, 'qr', 'n-1', 'staff-1', at, null],
        [cancelled, 'family', 2, 'qr', null, 'staff-1', at, null],
        [plain, 'family', 2, 'qr', null, 'staff-1', at, null],
        [given, 'family', 3, 'qr', null, 'staff-1', at, null],
        [v, 'volunteer', 1, 'qr', null, 'staff-1', at, null],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(new Set(written.map((r) => r.id)).size).toBe(5);
    expect(written.every((r) => r.id.startsWith('ci_'))).toBe(true);
  });

  it('writes nothing when the person (or the nonce) checked in already, or the card or activity is unknown', async () => {
    const w = await openWorld({ families: 2 });
    const [f0, f1] = w.families as [string, string];
    const { checkIns } = service();
    const scan = (activityId: string, qrToken: string, nonce?: string) => checkIns.checkInByQrToken({ activityId, qrToken, nonce, checkedInBy: 'staff-1', staffCompound: undefined });
    expect(await scan(w.activityId, `qr-${f0}`, 'n-1')).toMatchObject({ status: 'checkedIn' });
    expect(await scan(w.activityId, `qr-${f0}`, 'n-1')).toBeUndefined();
    expect(await scan(w.activityId, `qr-${f0}`, 'n-2')).toBeUndefined();
    expect(await scan(w.activityId, `qr-${f1}`, 'n-1')).toBeUndefined();
    expect(await scan(w.activityId, 'qr-no-such-card')).toBeUndefined();
    expect(await scan('no-such-activity', `qr-${f1}`)).toBeUndefined();
    expect((await rows(w.activityId)).map((r) => [r.person_id, r.nonce])).toEqual([[f0, 'n-1']]);
  });

  it('follows the window rule: not before it opens, by the recorded window with no worker, never once closed', async () => {
    const w = await seedWorld(t.db, { families: 3 });
    const [f0, f1, f2] = w.families as [string, string, string];
    const store = new SqlActivityStore(t.db);
    // Approved with its window recorded; no worker opened it.
    await store.upsertActivity({ activityId: w.activityId, cycleId: 'c', compound: w.compoundId, title: '邻里节', startsAt: '2025-05-10T01:00:00.000Z', endsAt: '2025-05-10T04:00:00.000Z', capacity: 100, stage: 'reminders', attendanceWindow: WINDOW });
    const { clock, checkIns } = service('2025-05-10T00:29:59.999Z');
    const scan = (familyId: string) => checkIns.checkInByQrToken({ activityId: w.activityId, qrToken: `qr-${familyId}`, checkedInBy: 'staff-1', staffCompound: w.compoundId });

    expect(await scan(f0)).toBeUndefined();
    clock.set(WINDOW.opensAt);
    expect(await scan(f0)).toMatchObject({ status: 'checkedIn', at: WINDOW.opensAt });
    clock.set(WINDOW.closesAt);
    expect(await scan(f1)).toBeUndefined();

    // Opened by the workflow: its word, even past the recorded close; closed: never.
    await store.openAttendance(w.activityId, WINDOW);
    expect(await scan(f1)).toMatchObject({ status: 'checkedIn' });
    await store.closeAttendance(w.activityId);
    clock.set('2025-05-10T01:00:00.000Z');
    expect(await scan(f2)).toBeUndefined();

    // Not yet approved (planning): the recorded window does not open the door.
    const p = await seedWorld(t.db, { families: 1 });
    await store.upsertActivity({ activityId: p.activityId, cycleId: 'c', compound: p.compoundId, title: '邻里节', startsAt: '2025-05-10T01:00:00.000Z', endsAt: '2025-05-10T04:00:00.000Z', capacity: 100, stage: 'proposal', attendanceWindow: WINDOW });
    expect(await checkIns.checkInByQrToken({ activityId: p.activityId, qrToken: `qr-${p.families[0]}`, checkedInBy: 'staff-1', staffCompound: undefined })).toBeUndefined();
    expect((await rows(w.activityId)).map((r) => r.person_id)).toEqual([f0, f1]);
    expect(await rows(p.activityId)).toHaveLength(0);
  });

  it('writes nothing outside the staff member’s compound scope, or where a coordinator crosses compounds (audited on the full path)', async () => {
    const w = await openWorld({ families: 1, volunteers: 0 });
    const other = await seedWorld(t.db, { families: 1, volunteers: 1 });
    const { checkIns } = service();
    const scan = (qrToken: string, staffCompound: string | undefined) => checkIns.checkInByQrToken({ activityId: w.activityId, qrToken, checkedInBy: 'staff-1', staffCompound });
    const own = `qr-${w.families[0]}`;
    const stranger = `qr-${other.families[0]}`;

    expect(await scan(own, other.compoundId)).toBeUndefined(); // a desk of another compound
    expect(await scan(stranger, w.compoundId)).toBeUndefined(); // a family of another compound
    expect(await scan(`qr-${other.volunteers[0]}`, w.compoundId)).toBeUndefined();
    expect(await scan(stranger, undefined)).toBeUndefined(); // a coordinator crossing: the full path audits it
    expect(await rows(w.activityId)).toHaveLength(0);

    // A volunteer of no compound is everyone's.
    const free = await new Directory(t.db).createVolunteer({ id: `${w.activityId}-free`, name: '自由志愿者', email: 'free@example.com', locale: 'en', qrToken: `qr-${w.activityId}-free` });
    expect(await scan(free.qrToken, w.compoundId)).toMatchObject({ status: 'checkedIn', personKind: 'volunteer', personId: free.id });
    expect(await scan(own, undefined)).toMatchObject({ status: 'checkedIn', personKind: 'family' });
    expect(await rows(w.activityId)).toHaveLength(2);
  });

  it('reads a card as personByQrToken does: a family’s before a volunteer’s with the same token', async () => {
    const w = await openWorld({ families: 1, volunteers: 0 });
    const family = w.families[0] as string;
    await new Directory(t.db).createVolunteer({ id: `${family}-twin`, name: '同码志愿者', email: 'twin@example.com', locale: 'en', compoundId: w.compoundId, qrToken: `qr-${family}` });
    const { checkIns } = service();
    expect(await checkIns.checkInByQrToken({ activityId: w.activityId, qrToken: `qr-${family}`, checkedInBy: 'staff-1', staffCompound: undefined })).toMatchObject({ personKind: 'family', personId: family });
    expect(await checkIns.checkInByQrToken({ activityId: w.activityId, qrToken: `qr-${family}`, checkedInBy: 'staff-1', staffCompound: undefined })).toBeUndefined();
    expect((await rows(w.activityId)).map((r) => r.person_kind)).toEqual(['family']);
  });

  it('twenty simultaneous scans of one card write one row, and only one of them answers it', async () => {
    const w = await openWorld({ families: 1 });
    const { checkIns } = service();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => checkIns.checkInByQrToken({ activityId: w.activityId, qrToken: `qr-${w.families[0]}`, nonce: `n-${i}`, checkedInBy: 'staff-1', staffCompound: w.compoundId })),
    );
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    expect(await rows(w.activityId)).toHaveLength(1);
  });

  it('never runs inside another request’s open transaction: that one rolling back leaves the check-in', async () => {
    const w = await openWorld({ families: 1 });
    const { checkIns } = service();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let begun!: () => void;
    const isBegun = new Promise<void>((r) => (begun = r));
    const other = withTransaction(t.db, async (trx) => {
      await trx.updateTable('activities').set({ title: '改名中' }).where('id', '=', w.activityId).execute();
      begun();
      await held;
      throw new Error('rolled back');
    }).catch((e: Error) => e.message);
    await isBegun;
    const scan = checkIns.checkInByQrToken({ activityId: w.activityId, qrToken: `qr-${w.families[0]}`, checkedInBy: 'staff-1', staffCompound: undefined });
    release();
    expect(await other).toBe('rolled back');
    expect(await scan).toMatchObject({ status: 'checkedIn', personId: w.families[0] });
    expect(await rows(w.activityId)).toHaveLength(1);
  });

  it('is one statement, no transaction around it', async () => {
    const statements: string[] = [];
    const log = (event: LogEvent) => {
      statements.push(event.query.sql.trim().split(/\s+/)[0]!.toLowerCase());
    };
    const counted: Kysely<Database> = dialect === 'postgres' ? createDatabase({ url: t.url, poolSize: 2, log }) : createDatabase({ sqlitePath: t.url, log });
    try {
      const w = await openWorld({ families: 2 });
      const checkIns = new CheckIns(counted, { now: new TestClock('2025-05-10T01:00:00.000Z').now });
      const scan = (familyId: string) => checkIns.checkInByQrToken({ activityId: w.activityId, qrToken: `qr-${familyId}`, checkedInBy: 'staff-1', staffCompound: undefined });
      expect(await scan(w.families[0] as string)).toMatchObject({ status: 'checkedIn' });
      expect(await scan(w.families[0] as string)).toBeUndefined();
      expect(statements).toEqual(['insert', 'insert']);
    } finally {
      await counted.destroy();
    }
  });

  if (dialect === 'postgres') {
    it('waits for the closing of attendance (FOR SHARE against its FOR UPDATE) and then writes nothing', async () => {
      const w = await openWorld({ families: 1 });
      const { checkIns } = service();
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      // Closing attendance: the row locked FOR UPDATE, the state flipped, committed a moment later.
      const closing = t.db.transaction().execute(async (trx) => {
        await trx.selectFrom('activities').select('id').where('id', '=', w.activityId).forUpdate().execute();
        await trx.updateTable('activities').set({ attendance_state: 'closed' }).where('id', '=', w.activityId).execute();
        locked();
        await held;
      });
      await isLocked;
      let settled = false;
      const scan = checkIns.checkInByQrToken({ activityId: w.activityId, qrToken: `qr-${w.families[0]}`, checkedInBy: 'staff-1', staffCompound: undefined }).finally(() => {
        settled = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false);
      release();
      await closing;
      expect(await scan).toBeUndefined();
      expect(await rows(w.activityId)).toHaveLength(0);
    });
  }
});
