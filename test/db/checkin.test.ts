import { ActivityRepository } from '../../db/repositories';
import { CheckInError, CheckIns } from '../../db/services/checkin';
import { Directory } from '../../db/services/directory';
import { Registrations } from '../../db/services/registration';
import { SqlActivityStore } from '../../db/store';
import { seedWorld } from './fixtures';
import { DIALECTS, TestClock, useTestDatabase } from './harness';

const WINDOW = { opensAt: '2025-05-10T00:30:00Z', closesAt: '2025-05-10T04:30:00Z' };

describe.each(DIALECTS)('check-in on %s', (dialect) => {
  const t = useTestDatabase(dialect, { poolSize: 25 });

  async function openActivity(opts: Parameters<typeof seedWorld>[1] = {}) {
    const w = await seedWorld(t.db, opts);
    await new SqlActivityStore(t.db).openAttendance(w.activityId, WINDOW);
    return w;
  }

  const rows = (activityId: string) => t.db.selectFrom('check_ins').selectAll().where('activity_id', '=', activityId).execute();

  it('a second check-in records nothing new and answers the first time', async () => {
    const clock = new TestClock('2025-05-10T01:00:00.000Z');
    const w = await openActivity();
    const checkIns = new CheckIns(t.db, { now: clock.now });
    const family = w.families[0] as string;
    const first = await checkIns.checkIn({ activityId: w.activityId, personKind: 'family', personId: family, method: 'qr', members: 3 });
    expect(first).toEqual({ status: 'checkedIn', at: '2025-05-10T01:00:00.000Z', personKind: 'family', personId: family, members: 3 });

    clock.advance(20 * 60_000);
    const second = await checkIns.checkIn({ activityId: w.activityId, personKind: 'family', personId: family, method: 'link', members: 5 });
    expect(second).toEqual({ status: 'alreadyCheckedIn', at: '2025-05-10T01:00:00.000Z', personKind: 'family', personId: family, members: 3 });

    const recorded = await rows(w.activityId);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ person_id: family, members: 3, method: 'qr', checked_in_at: '2025-05-10T01:00:00.000Z' });
  });

  it('records which staff member checked a person in, and the desk reads their name (none for a family’s own link)', async () => {
    const clock = new TestClock('2025-05-10T01:00:00.000Z');
    const w = await openActivity();
    const staffId = `${w.activityId}-gw`;
    await new Directory(t.db).createStaff({ id: staffId, name: '张协调', role: 'coordinator', email: `${staffId}@example.com` });
    const checkIns = new CheckIns(t.db, { now: clock.now });
    const [f0, f1] = w.families as [string, string];
    await checkIns.checkIn({ activityId: w.activityId, personKind: 'family', personId: f0, method: 'staff', checkedInBy: staffId });
    clock.advance(60_000);
    await checkIns.checkIn({ activityId: w.activityId, personKind: 'family', personId: f1, method: 'link' });
    const recorded = await rows(w.activityId);
    expect(Object.fromEntries(recorded.map((r) => [r.person_id, r.checked_in_by]))).toEqual({ [f0]: staffId, [f1]: null });
    const desk = await new ActivityRepository(t.db).deskCheckIns(w.activityId);
    expect(desk.map((d) => [d.personId, d.byName])).toEqual([
      [f0, '张协调'],
      [f1, null],
    ]);
    expect(await new ActivityRepository(t.db).deskCheckIns(w.activityId, { kind: 'family', id: f1 })).toEqual([expect.objectContaining({ personId: f1, name: '家庭 1', members: 2 })]);
  });

  it('a retried check-in with the same nonce is safe: one row, and the retry gets the first answer', async () => {
    const clock = new TestClock('2025-05-10T01:00:00.000Z');
    const w = await openActivity();
    const checkIns = new CheckIns(t.db, { now: clock.now });
    const request = { activityId: w.activityId, personKind: 'volunteer' as const, personId: w.volunteers[0] as string, method: 'link' as const, nonce: 'n-123' };
    const first = await checkIns.checkIn(request);
    clock.advance(5_000);
    const retries = await Promise.all([checkIns.checkIn(request), checkIns.checkIn(request), checkIns.checkIn(request)]);
    for (const r of retries) expect(r).toEqual(first);
    expect(first).toMatchObject({ status: 'checkedIn', at: '2025-05-10T01:00:00.000Z', members: 1 });
    expect(await rows(w.activityId)).toHaveLength(1);

    // The same nonce presented for someone else is refused, and records nothing.
    await expect(checkIns.checkIn({ ...request, personId: w.volunteers[1] as string })).rejects.toMatchObject({ code: 'NONCE_REUSED' });
    expect(await rows(w.activityId)).toHaveLength(1);
  });

  it('a check-in while attendance is not open is refused, before opening and after closing', async () => {
    const w = await seedWorld(t.db);
    const checkIns = new CheckIns(t.db);
    const request = { activityId: w.activityId, personKind: 'family' as const, personId: w.families[0] as string, method: 'qr' as const };
    const before = checkIns.checkIn(request);
    await expect(before).rejects.toBeInstanceOf(CheckInError);
    await expect(before).rejects.toMatchObject({ code: 'ATTENDANCE_NOT_OPEN' });

    const store = new SqlActivityStore(t.db);
    await store.openAttendance(w.activityId, WINDOW);
    await expect(checkIns.checkIn(request)).resolves.toMatchObject({ status: 'checkedIn' });
    await store.closeAttendance(w.activityId);
    await expect(checkIns.checkIn({ ...request, personId: w.families[1] as string })).rejects.toMatchObject({ code: 'ATTENDANCE_NOT_OPEN' });
    await expect(checkIns.checkOut(w.activityId, w.volunteers[0] as string)).rejects.toMatchObject({ code: 'ATTENDANCE_NOT_OPEN' });
    expect(await rows(w.activityId)).toHaveLength(1);
  });

  it('does not look at the clock: a check-in far outside the planned window is accepted while the state is open', async () => {
    const w = await openActivity();
    const late = new CheckIns(t.db, { now: () => new Date('2031-01-01T00:00:00Z') });
    await expect(late.checkIn({ activityId: w.activityId, personKind: 'family', personId: w.families[0] as string, method: 'staff' })).resolves.toMatchObject({
      status: 'checkedIn',
    });
  });

  it('finds people by QR token and defaults members to the registration, then to the family size', async () => {
    const w = await openActivity({ families: 2 });
    const [f0, f1] = w.families as [string, string];
    await new Registrations(t.db).register(w.activityId, f0, 4);
    const checkIns = new CheckIns(t.db);
    const dir = new Directory(t.db);
    const token0 = (await dir.getFamily(f0))?.qrToken as string;
    const token1 = (await dir.getFamily(f1))?.qrToken as string;
    expect(await checkIns.checkIn({ activityId: w.activityId, personKind: 'family', qrToken: token0, method: 'qr' })).toMatchObject({ personId: f0, members: 4 });
    expect(await checkIns.checkIn({ activityId: w.activityId, personKind: 'family', qrToken: token1, method: 'qr' })).toMatchObject({ personId: f1, members: 2 });
    await expect(checkIns.checkIn({ activityId: w.activityId, personKind: 'family', qrToken: 'no-such-token', method: 'qr' })).rejects.toMatchObject({
      code: 'PERSON_NOT_FOUND',
    });
    await expect(checkIns.checkIn({ activityId: w.activityId, personKind: 'volunteer', qrToken: token0, method: 'qr' })).rejects.toMatchObject({
      code: 'PERSON_NOT_FOUND',
    });
    await expect(checkIns.checkIn({ activityId: w.activityId, personKind: 'family', method: 'qr' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('50 concurrent check-ins (25 people, each twice) record each person exactly once', async () => {
    const w = await openActivity({ families: 20, volunteers: 5 });
    const checkIns = new CheckIns(t.db);
    const people = [
      ...w.families.map((id) => ({ personKind: 'family' as const, personId: id })),
      ...w.volunteers.map((id) => ({ personKind: 'volunteer' as const, personId: id })),
    ];
    const results = await Promise.all(
      [...people, ...people].map((p, i) => checkIns.checkIn({ activityId: w.activityId, ...p, method: i % 2 ? 'qr' : 'link' })),
    );
    expect(results.filter((r) => r.status === 'checkedIn')).toHaveLength(25);
    expect(results.filter((r) => r.status === 'alreadyCheckedIn')).toHaveLength(25);
    const recorded = await rows(w.activityId);
    expect(recorded).toHaveLength(25);
    // Everyone who was told "already checked in" got the time that was recorded.
    for (const r of results) expect(recorded.find((x) => x.person_id === r.personId)?.checked_in_at).toBe(r.at);
  });

  it('50 concurrent check-ins of one family record one', async () => {
    const w = await openActivity();
    const checkIns = new CheckIns(t.db);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => checkIns.checkIn({ activityId: w.activityId, personKind: 'family', personId: w.families[0] as string, method: 'qr' })),
    );
    expect(results.filter((r) => r.status === 'checkedIn')).toHaveLength(1);
    expect(new Set(results.map((r) => r.at)).size).toBe(1);
    expect(await rows(w.activityId)).toHaveLength(1);
  });

  it('closing attendance during a rush of check-ins: every check-in is either in the tally or refused', async () => {
    const w = await openActivity({ families: 30, volunteers: 0 });
    const checkIns = new CheckIns(t.db);
    const store = new SqlActivityStore(t.db);
    const attempts = w.families.map((id) => checkIns.checkIn({ activityId: w.activityId, personKind: 'family', personId: id, method: 'qr' }).then(
      () => 'in' as const,
      (e: unknown) => (e instanceof CheckInError && e.code === 'ATTENDANCE_NOT_OPEN' ? ('refused' as const) : Promise.reject(e)),
    ));
    const [tally, ...outcomes] = await Promise.all([store.closeAttendance(w.activityId), ...attempts]);
    const accepted = outcomes.filter((o) => o === 'in').length;
    expect(tally.families).toBe(accepted);
    expect(await rows(w.activityId)).toHaveLength(accepted);
  });

  it('check-out records the first time a volunteer left', async () => {
    const clock = new TestClock('2025-05-10T01:00:00.000Z');
    const w = await openActivity();
    const checkIns = new CheckIns(t.db, { now: clock.now });
    const v = w.volunteers[0] as string;
    await expect(checkIns.checkOut(w.activityId, v)).rejects.toMatchObject({ code: 'NOT_CHECKED_IN' });
    await checkIns.checkIn({ activityId: w.activityId, personKind: 'volunteer', personId: v, method: 'qr' });
    clock.advance(3600_000);
    expect(await checkIns.checkOut(w.activityId, v)).toEqual({ status: 'checkedOut', at: '2025-05-10T02:00:00.000Z' });
    clock.advance(3600_000);
    expect(await checkIns.checkOut(w.activityId, v)).toEqual({ status: 'alreadyCheckedOut', at: '2025-05-10T02:00:00.000Z' });
  });
});
