/**
 * The year report on SQLite and PostgreSQL, from records written through the real services: two
 * cycles of 2025 whose periods overlap (A: January–June, B: April–September) share a family, a
 * merchant and its venue, and a redemption falls inside both cycles' windows. Adding the two cycle
 * reports gives too many families, merchants, venues and redeemed points; the year report counts
 * each once. Activities, sponsorships and a redemption outside 2025 (Beijing time) are left out.
 */
import { CheckIns } from '../../db/services/checkin';
import { Cycles } from '../../db/services/cycles';
import { Ledger } from '../../db/services/ledger';
import { SqlActivityStore } from '../../db/store';
import type { ActivitySummary } from '../../domain/activity';
import { calendarYearPeriod, monthsOf, periodOfDays } from '../../domain/year-report';
import { computeCycleReport } from '../../reports/cycle-report';
import { computeYearReport } from '../../reports/year-report';
import { DIALECTS, useTestDatabase } from '../db/harness';

const HOUR = 3_600_000;
const at = (beijing: string) => new Date(`${beijing}+08:00`);
const iso = (beijing: string) => at(beijing).toISOString();
const clock = (beijing: string) => () => at(beijing);
const rules = { attendance: 10, perVolunteerHour: 6, familyLearning: 0 };

test('periods are Beijing calendar days: a year runs from its first midnight to the next year’s, and a bad day is refused', () => {
  expect(calendarYearPeriod(2025)).toEqual({ from: '2024-12-31T16:00:00.000Z', to: '2025-12-31T16:00:00.000Z', fromDay: '2025-01-01', toDay: '2025-12-31' });
  expect(periodOfDays('2025-04-01', '2025-04-30')).toMatchObject({ from: '2025-03-31T16:00:00.000Z', to: '2025-04-30T16:00:00.000Z' });
  expect(periodOfDays('2025-02-30', '2025-03-01')).toBeUndefined();
  expect(periodOfDays('2025-05-01', '2025-04-30')).toBeUndefined();
  expect(monthsOf(periodOfDays('2024-11-15', '2025-02-01')!)).toEqual(['2024-11', '2024-12', '2025-01', '2025-02']);
});

describe.each(DIALECTS)('year report on %s', (dialect) => {
  const t = useTestDatabase(dialect);

  /** A held activity: check-ins, its tally, points (written when check-in closed) and its summary, through the real services. */
  async function held(
    activityId: string,
    cycleId: string,
    startsAt: string,
    people: { families: string[]; volunteers?: Record<string, number> },
    venue?: ActivitySummary['venue'],
  ): Promise<void> {
    const start = at(startsAt).getTime();
    const closesAt = start + 3 * HOUR;
    const store = new SqlActivityStore(t.db, { now: () => new Date(closesAt) });
    const title = `活动 ${activityId}`;
    await store.upsertActivity({ activityId, cycleId, compound: 'c1', title, startsAt: iso(startsAt), endsAt: new Date(start + 2 * HOUR).toISOString(), capacity: 50, stage: 'attendance' });
    await store.openAttendance(activityId, { opensAt: iso(startsAt), closesAt: new Date(closesAt).toISOString() });
    for (const f of people.families) await new CheckIns(t.db, { now: () => new Date(start) }).checkIn({ activityId, personKind: 'family', personId: f, method: 'qr' });
    for (const [v, hours] of Object.entries(people.volunteers ?? {})) {
      await new CheckIns(t.db, { now: () => new Date(closesAt - hours * HOUR) }).checkIn({ activityId, personKind: 'volunteer', personId: v, method: 'staff' });
    }
    const tally = await store.closeAttendance(activityId);
    const award = await store.awardActivityPoints(activityId, rules);
    await store.saveActivitySummary({
      activityId,
      cycleId,
      compound: 'c1',
      title,
      theme: '邻里节',
      startsAt: iso(startsAt),
      endsAt: new Date(start + 2 * HOUR).toISOString(),
      outcome: 'completed',
      tally,
      pointsAwarded: award.pointsAwarded,
      venueHours: venue?.hours ?? 0,
      ...(venue ? { venue } : {}),
      approvalRounds: 1,
      feedback: null,
      decisions: [],
    });
  }

  const cycle = (cycleId: string, name: string, from: string, to: string) => ({
    cycleId,
    name,
    periodStart: iso(`${from}T00:00:00`),
    periodEnd: iso(`${to}T23:59:59`),
    compounds: ['c1'],
    coordinator: { id: 'co-1' },
    supervisor: { id: 'su-1' },
    milestones: [],
  });

  beforeAll(async () => {
    const db = t.db;
    await db.insertInto('compounds').values({ id: 'c1', name: '锦绣花园' }).execute();
    await db
      .insertInto('families')
      .values(
        [
          ['fa', '刘家', 3],
          ['fb', '赵家', 2],
          ['fc', '孙家', 4],
        ].map(([id, name, members]) => ({ id: id as string, compound_id: 'c1', name: name as string, email: `${id}@example.test`, locale: 'zh-CN' as const, members: members as number, qr_token: `q-${id}` })),
      )
      .execute();
    await db
      .insertInto('volunteers')
      .values([
        { id: 'vp', name: '何老师', email: 'vp@example.test', locale: 'zh-CN', compound_id: 'c1', qr_token: 'q-vp', profession: '家庭教育指导师' },
        { id: 'vn', name: '周志愿', email: 'vn@example.test', locale: 'zh-CN', compound_id: 'c1', qr_token: 'q-vn' },
      ])
      .execute();
    await db
      .insertInto('merchants')
      .values([
        { id: 'm1', name: '万达广场', email: 'm1@example.test', locale: 'zh-CN' },
        { id: 'm2', name: '西西弗书店', email: 'm2@example.test', locale: 'zh-CN' },
        { id: 'm3', name: '老字号茶馆', email: 'm3@example.test', locale: 'zh-CN' },
      ])
      .execute();
    await new Cycles(db).ensure(cycle('cy-a', '第一期', '2025-01-01', '2025-06-30'));
    await new Cycles(db).ensure(cycle('cy-b', '第二期', '2025-04-01', '2025-09-30'));
    await new Cycles(db).ensure(cycle('cy-old', '试点期', '2024-10-01', '2024-12-31'));

    // The pilot, in 2024 (written first: the ledger keeps each holder's entries in order of writing).
    await held('old', 'cy-old', '2024-12-20T10:00:00', { families: ['fc'], volunteers: { vn: 1 } }, { venueName: '茶馆', merchantId: 'm3', hours: 2, source: 'merchant' });
    await held('a1', 'cy-a', '2025-02-15T10:00:00', { families: ['fa', 'fb'], volunteers: { vp: 2 } }, { venueName: '万达三楼', merchantId: 'm1', hours: 3, source: 'merchant' });
    await held('a2', 'cy-b', '2025-05-10T10:00:00', { families: ['fa', 'fc'], volunteers: { vp: 1.5, vn: 2 } }, { venueName: '万达三楼', merchantId: 'm1', hours: 4, source: 'merchant' });
    await held('a3', 'cy-a', '2025-05-20T10:00:00', { families: ['fb'] }, { venueName: '书店活动区', merchantId: 'm2', hours: 2, source: 'coordinator' });


    await new Cycles(db, { now: clock('2025-03-01T09:00:00') }).recordSponsorship({ id: 'sp-a', cycleId: 'cy-a', merchantId: 'm1', amountCny: 500, recordedBy: 'co-1' });
    await new Cycles(db, { now: clock('2025-06-01T09:00:00') }).recordSponsorship({ id: 'sp-b', cycleId: 'cy-b', merchantId: 'm1', amountCny: 300.5, recordedBy: 'co-1' });
    await new Cycles(db, { now: clock('2024-12-01T09:00:00') }).recordSponsorship({ id: 'sp-old', cycleId: 'cy-old', merchantId: 'm3', amountCny: 1000, recordedBy: 'co-1' });

    const reward = await new Ledger(db).createReward({ name: '借阅券', kind: 'education', price: 5, stock: 10 });
    // fa belongs to both cycles and redeems inside both windows: each cycle report counts it.
    await new Ledger(db, { now: clock('2025-05-15T12:00:00') }).redeem('fa', reward.id, 'redeem-fa');
    await new Ledger(db, { now: clock('2025-06-10T12:00:00') }).redeem('fb', reward.id, 'redeem-fb');
    // In 2026: not this year's.
    await new Ledger(db, { now: clock('2026-01-01T08:00:00') }).redeem('fc', reward.id, 'redeem-fc');
  });

  it('counts families, merchants and venues distinct over the year, and a redemption once, where adding the cycle reports does not', async () => {
    // Before fc's redemption of 2026: a cycle report's window runs to asOf.
    const asOf = iso('2025-12-31T12:00:00');
    const year = await computeYearReport(t.db, calendarYearPeriod(2025), { asOf });
    const [a, b] = await Promise.all([computeCycleReport(t.db, 'cy-a', { asOf }), computeCycleReport(t.db, 'cy-b', { asOf })]);

    // What adding the two cycle reports gives: fa, the merchant m1 and its venue twice; fa's redemption twice.
    expect(a.families.distinct.count + b.families.distinct.count).toBe(4);
    expect(a.merchants.engaged.count + b.merchants.engaged.count).toBe(3);
    expect(a.merchants.venuesLent.count + b.merchants.venuesLent.count).toBe(3);
    expect(a.points.redeemed.points + b.points.redeemed.points).toBe(15);

    expect(year.families.attended).toEqual({ count: 3, ids: ['fa', 'fb', 'fc'] });
    expect(year.families.rewarded).toEqual({ count: 3, ids: ['fa', 'fb', 'fc'] });
    expect(year.merchants.engaged).toEqual({ count: 2, ids: ['m1', 'm2'] });
    expect(year.merchants.names).toEqual({ m1: '万达广场', m2: '西西弗书店' });
    expect(year.venues.lent.count).toBe(2);
    expect(year.venues.lent.venues).toEqual([
      { merchantId: 'm1', venueName: '万达三楼', hours: 7, activityIds: ['a1', 'a2'] },
      { merchantId: 'm2', venueName: '书店活动区', hours: 2, activityIds: ['a3'] },
    ]);
    expect(year.venues.hours).toBe(9);
    expect(year.points.redeemed.points).toBe(10);
    expect(year.points.redeemed.familyIds).toEqual(['fa', 'fb']);
    expect(year.points.redeemed.entryIds).toHaveLength(2);
    expect(new Set(year.points.redeemed.entryIds).size).toBe(2);
  });

  it('reports the chapter-7 figures of the year, each with the records behind it', async () => {
    const year = await computeYearReport(t.db, calendarYearPeriod(2025), { asOf: iso('2026-02-01T00:00:00') });
    expect(year.cycles.rows.map((c) => [c.cycleId, c.name, c.activityIds])).toEqual([
      ['cy-a', '第一期', ['a1', 'a3']],
      ['cy-b', '第二期', ['a2']],
    ]);
    expect(year.activities.held).toEqual({ count: 3, ids: ['a1', 'a2', 'a3'] });
    // a1: 3 + 2 + 1 volunteer; a2: 3 + 4 + 2 volunteers; a3: 2.
    expect(year.activities.rows.map((r) => [r.activityId, r.participants])).toEqual([
      ['a1', 6],
      ['a2', 9],
      ['a3', 2],
    ]);
    expect(year.participants).toEqual({ total: 17, average: 5.7 });
    // Attendance 10 per family and activity (5 family check-ins), 6 per volunteer hour (2 + 1.5 + 2 h → 12 + 9 + 12).
    expect(year.points.awarded.total).toBe(50 + 33);
    expect(year.sponsorship).toMatchObject({ totalCny: 800.5, count: 2 });
    expect(year.sponsorship.rows.map((s) => s.sponsorshipId)).toEqual(['sp-a', 'sp-b']);
    expect(year.volunteers.personTimes).toMatchObject({ count: 3, activityIds: ['a1', 'a2'] });
    expect(year.volunteers.personTimes.checkInIds).toHaveLength(3);
    expect(year.volunteers.distinct).toEqual({ count: 2, ids: ['vn', 'vp'] });
    expect(year.volunteers.hours).toBe(5.5);
    expect(year.professionalVolunteers).toMatchObject({ personTimes: { count: 2, activityIds: ['a1', 'a2'] }, distinct: { count: 1, ids: ['vp'] }, hours: 3.5, professions: { vp: '家庭教育指导师' } });
    expect(year.consultations).toEqual({ recorded: false });
    expect(year.outcomes).toBeNull();

    const months = Object.fromEntries(year.points.byMonth.map((m) => [m.month, [m.awarded, m.redeemed, m.awardEntryIds.length, m.redemptionEntryIds.length]]));
    expect(year.points.byMonth).toHaveLength(12);
    expect(months['2025-02']).toEqual([20 + 12, 0, 3, 0]);
    expect(months['2025-05']).toEqual([30 + 21, 5, 5, 1]);
    expect(months['2025-06']).toEqual([0, 5, 0, 1]);
    expect(months['2025-01']).toEqual([0, 0, 0, 0]);
    const counted = new Set(year.points.entries.map((e) => e.entryId));
    for (const m of year.points.byMonth) for (const id of [...m.awardEntryIds, ...m.redemptionEntryIds]) expect(counted.has(id)).toBe(true);
    expect(year.points.entries.find((e) => e.kind === 'redemption' && e.holderId === 'fa')).toMatchObject({ holderName: '刘家', amount: -5 });
  });

  it('takes any period: the spring months hold a1 only, and the pilot’s activity and sponsorship belong to 2024', async () => {
    const spring = await computeYearReport(t.db, periodOfDays('2025-01-01', '2025-03-31')!);
    expect(spring.activities.held.ids).toEqual(['a1']);
    expect(spring.cycles.rows.map((c) => c.cycleId)).toEqual(['cy-a']);
    expect(spring.sponsorship.totalCny).toBe(500);
    const pilot = await computeYearReport(t.db, calendarYearPeriod(2024));
    expect(pilot.activities.held.ids).toEqual(['old']);
    expect(pilot.merchants.engaged.ids).toEqual(['m3']);
    expect(pilot.sponsorship.totalCny).toBe(1000);
    expect(pilot.professionalVolunteers.personTimes.count).toBe(0);
    expect(pilot.volunteers.personTimes.count).toBe(1);
  });
});
