/**
 * The attendance window is data (issue 14, item 1): once an activity is approved its window is
 * recorded with it (every stage change writes the plan's window), and check-in, walk-in and
 * check-out accept by that window and the clock whether or not a worker runs. Here no workflow
 * runs at all: the store calls stand where the worker would, and the worker "comes back" late to
 * close attendance and tally what the window accepted. On SQLite and PostgreSQL.
 */
import { CheckInError, CheckIns } from '../../db/services/checkin';
import { SqlActivityStore } from '../../db/store';
import { seedWorld } from './fixtures';
import { DIALECTS, TestClock, useTestDatabase } from './harness';

const WINDOW = { opensAt: '2025-05-10T00:30:00.000Z', closesAt: '2025-05-10T04:30:00.000Z' };

describe.each(DIALECTS)('the check-in window as data on %s', (dialect) => {
  const t = useTestDatabase(dialect);

  async function approved(stage = 'reminders') {
    const w = await seedWorld(t.db);
    const store = new SqlActivityStore(t.db);
    // What the workflow records at approval: the stage and the plan's window, attendance not opened.
    await store.upsertActivity({ activityId: w.activityId, cycleId: 'c', compound: w.compoundId, title: '邻里节', startsAt: '2025-05-10T01:00:00.000Z', endsAt: '2025-05-10T04:00:00.000Z', capacity: 100, stage, attendanceWindow: WINDOW });
    return { w, store };
  }

  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => (e instanceof CheckInError ? `${e.code}: ${e.message}` : String(e)),
    );

  it('opens at its time with no worker to open it, shuts at its close, and the worker coming back late tallies what it accepted', async () => {
    const { w, store } = await approved();
    const clock = new TestClock('2025-05-10T00:29:00.000Z');
    const checkIns = new CheckIns(t.db, { now: clock.now });
    const [f0, f1, f2] = w.families as [string, string, string];
    const row = () => t.db.selectFrom('activities').select(['attendance_state', 'attendance_opens_at', 'attendance_closes_at']).where('id', '=', w.activityId).executeTakeFirstOrThrow();
    expect(await row()).toEqual({ attendance_state: 'notOpen', attendance_opens_at: WINDOW.opensAt, attendance_closes_at: WINDOW.closesAt });

    expect(await refusal(checkIns.checkIn({ activityId: w.activityId, personKind: 'family', personId: f0, method: 'qr' }))).toMatch(/^ATTENDANCE_NOT_OPEN: .*not open yet/);

    clock.set('2025-05-10T00:30:00.000Z');
    expect(await checkIns.checkIn({ activityId: w.activityId, personKind: 'family', personId: f0, method: 'qr' })).toMatchObject({ status: 'checkedIn' });
    clock.advance(60_000);
    expect(await checkIns.checkIn({ activityId: w.activityId, personKind: 'family', personId: f1, method: 'link', nonce: 'n-1' })).toMatchObject({ status: 'checkedIn' });
    const v0 = w.volunteers[0] as string;
    await checkIns.checkIn({ activityId: w.activityId, personKind: 'volunteer', personId: v0, method: 'staff' });
    clock.advance(60 * 60_000);
    expect(await checkIns.checkOut(w.activityId, v0)).toMatchObject({ status: 'checkedOut' });
    // Still nobody opened it: the state is the workflow's, the door the window's.
    expect((await row()).attendance_state).toBe('notOpen');

    clock.set(WINDOW.closesAt);
    expect(await refusal(checkIns.checkIn({ activityId: w.activityId, personKind: 'family', personId: f2, method: 'qr' }))).toMatch(/^ATTENDANCE_NOT_OPEN: .*closed/);

    // The worker comes back after the close: it closes attendance, and the tally has what the window accepted.
    const tally = await store.closeAttendance(w.activityId);
    expect(tally).toMatchObject({ families: 2, volunteers: 1, participants: 2 + 2 + 1 });
  });

  it('before approval the window admits nobody, and a cancelled or rejected activity none either', async () => {
    for (const stage of ['planning', 'approval', 'cancelled', 'rejected']) {
      const { w } = await approved(stage);
      const checkIns = new CheckIns(t.db, { now: () => new Date('2025-05-10T01:00:00.000Z') });
      expect(await refusal(checkIns.checkIn({ activityId: w.activityId, personKind: 'family', personId: w.families[0] as string, method: 'qr' }))).toMatch(/^ATTENDANCE_NOT_OPEN/);
    }
  });

  it('a reschedule moves the window: the old times no longer admit anyone', async () => {
    const { w, store } = await approved();
    await store.upsertActivity({ activityId: w.activityId, cycleId: 'c', compound: w.compoundId, title: '邻里节', startsAt: '2025-05-17T01:00:00.000Z', endsAt: '2025-05-17T04:00:00.000Z', capacity: 100, stage: 'reminders', attendanceWindow: { opensAt: '2025-05-17T00:30:00.000Z', closesAt: '2025-05-17T04:30:00.000Z' } });
    const at = (iso: string) => new CheckIns(t.db, { now: () => new Date(iso) });
    expect(await refusal(at('2025-05-10T01:00:00.000Z').checkIn({ activityId: w.activityId, personKind: 'family', personId: w.families[0] as string, method: 'qr' }))).toMatch(/not open yet/);
    expect(await at('2025-05-17T01:00:00.000Z').checkIn({ activityId: w.activityId, personKind: 'family', personId: w.families[0] as string, method: 'qr' })).toMatchObject({ status: 'checkedIn' });
  });
});
