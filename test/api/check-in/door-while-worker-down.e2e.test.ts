/**
 * The door opens on time with no worker running (issue 14, item 1), end to end: a real activity on
 * the shared Temporal dev server is approved, families register, and then the worker process is
 * stopped before check-in opens. Families check in at the door while nothing of Temporal's runs
 * the activity (the API accepts by the window the workflow recorded at approval and the database's
 * clock); one arrives after the close and is refused. The worker comes back after the close, the
 * workflow's attendance timer fires late, and the tally (and the points) count exactly the
 * families the window accepted.
 *
 * Real time, kept short by configuration: check-in opens 30 s before a start 55 s ahead, and
 * closes 10 s after an end 20 s later, so the whole test takes about a minute and a half on each database.
 */
import type { ActivityStatus } from '../../../domain/activity';
import { api, communityPlan, eventually, seedCycle, startApiHarness, unique, type ApiHarness } from '../harness';
import { seedFamily, type SeededFamily } from '../people-fixtures';
import { DIALECTS } from '../../db/harness';

jest.setTimeout(300_000);

const OPENS_BEFORE_S = 30;
const CLOSES_AFTER_S = 10;

describe.each(DIALECTS)('on %s', (dialect) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({
      worker: true,
      dialect,
      env: {
        ATTENDANCE_OPENS_BEFORE: `${OPENS_BEFORE_S}s`,
        ATTENDANCE_CLOSES_AFTER: `${CLOSES_AFTER_S}s`,
        // Every reminder offset must fall before check-in opens (config refuses others).
        REMINDER_OFFSETS: `${OPENS_BEFORE_S + 15}s`,
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const status = async (activityId: string): Promise<ActivityStatus> => (await api(h.baseUrl, 'GET', `/api/activities/${activityId}`, { who: 'co' })).body as ActivityStatus;

  /** Waits until the wall clock reaches `atMs` (the test's schedule is real time). */
  async function until(atMs: number): Promise<void> {
    const wait = atMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  test('families checked in at the door while the worker was stopped are in the tally once it comes back', async () => {
    const cycleId = await seedCycle(h.db, unique('cycle'));
    const startsAtMs = Math.ceil((Date.now() + 55_000) / 1000) * 1000;
    const plan = communityPlan(unique('东苑夜读会'), {
      startsAt: new Date(startsAtMs).toISOString(),
      endsAt: new Date(startsAtMs + 20_000).toISOString(),
      capacity: 20,
      // Booked no longer than it lasts (venue-hours are a funders' figure).
      venue: { kind: 'community', venueName: '东苑活动室', hours: 0.005 },
      pointsRules: { attendance: 10, perVolunteerHour: 5 },
    });
    const started = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId, plan } });
    expect([started.status, started.body.error]).toEqual([201, undefined]);
    const activityId = started.body.activityId as string;
    await eventually(async () => (await status(activityId)).stage === 'approval' || undefined, 30_000, 'approval');
    expect((await api(h.baseUrl, 'POST', `/api/activities/${activityId}/approval`, { who: 'co', body: { round: 1, decision: 'approve', comment: '' } })).status).toBe(200);

    const families: SeededFamily[] = [];
    for (let i = 0; i < 4; i++) families.push(await seedFamily(h.db, { members: 2 }));
    // Approved: registration is open while the workflow waits at its reminders.
    await eventually(async () => (await status(activityId)).stage === 'reminders' || undefined, 30_000, 'reminders');
    for (const f of families) {
      const registered = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/registrations`, { who: 'pm', body: { familyId: f.id, members: 2 } });
      expect(registered.status).toBe(201);
    }

    // The window is data the workflow wrote at approval: nothing needs to run to open it.
    const row = await h.db.selectFrom('activities').select(['attendance_opens_at', 'attendance_closes_at', 'attendance_state']).where('id', '=', activityId).executeTakeFirstOrThrow();
    const opensAtMs = startsAtMs - OPENS_BEFORE_S * 1000;
    const closesAtMs = startsAtMs + 20_000 + CLOSES_AFTER_S * 1000;
    expect(row).toEqual({ attendance_opens_at: new Date(opensAtMs).toISOString(), attendance_closes_at: new Date(closesAtMs).toISOString(), attendance_state: 'notOpen' });
    expect(Date.now()).toBeLessThan(opensAtMs);

    // ---- the worker stops before the opening and stays down past the close
    await h.stopWorker();
    const checkIn = (f: SeededFamily) => api(h.baseUrl, 'POST', `/api/activities/${activityId}/check-ins`, { who: 'pm', body: { qrToken: f.qrToken, nonce: unique('n') } });

    await until(opensAtMs + 500);
    const atTheDoor = families.slice(0, 3);
    for (const f of atTheDoor) {
      const done = await checkIn(f);
      expect({ family: f.id, status: done.status, outcome: done.body.status }).toEqual({ family: f.id, status: 201, outcome: 'checkedIn' });
    }
    // No worker ran: the row still reads as the workflow last left it.
    expect((await h.db.selectFrom('activities').select('attendance_state').where('id', '=', activityId).executeTakeFirstOrThrow()).attendance_state).toBe('notOpen');

    await until(closesAtMs + 1_000);
    const late = await checkIn(families[3]!);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('ATTENDANCE_NOT_OPEN');

    // ---- the worker comes back: the late timer closes attendance and tallies what the window took
    await h.startWorker();
    const tallied = await eventually(async () => {
      const s = await status(activityId);
      return s.counts.families !== undefined && s.counts.pointsAwarded !== undefined ? s : undefined;
    }, 90_000, 'tally and points');
    expect(tallied.counts.families).toBe(atTheDoor.length);
    expect(tallied.counts.participants).toBe(atTheDoor.length * 2);
    const rows = await h.db.selectFrom('check_ins').select('person_id').where('activity_id', '=', activityId).execute();
    expect(rows.map((r) => r.person_id).sort()).toEqual(atTheDoor.map((f) => f.id).sort());
    const awarded = await h.db.selectFrom('points_entries').select(['holder_id', 'amount']).where('activity_id', '=', activityId).where('holder_kind', '=', 'family').execute();
    expect(awarded.map((e) => e.holder_id).sort()).toEqual(atTheDoor.map((f) => f.id).sort());
    expect(awarded.every((e) => e.amount === 10)).toBe(true);
  });
});
