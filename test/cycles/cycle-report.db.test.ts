/**
 * The cycle report and the cycles service on SQLite and PostgreSQL alike, from records written
 * through the real services: the outcomes the end-to-end test does not reach (a rejected and an
 * unfinished activity, a venue the coordinator assigned from a merchant, missing feedback, an
 * award taken back) and the service's idempotency rules.
 */
import { CheckIns } from '../../db/services/checkin';
import { CycleError, Cycles } from '../../db/services/cycles';
import { Ledger } from '../../db/services/ledger';
import { SqlActivityStore } from '../../db/store';
import type { Actor } from '../../domain/schemas';
import { computeCycleReport, loadCycleReport, median } from '../../reports/cycle-report';
import { reportDeps } from '../../reports';
import type { ActivitySummary } from '../../domain/activity';
import { DIALECTS, useTestDatabase } from '../db/harness';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const supervisor: Actor = { id: 'su-1', name: '陈督导', role: 'supervisor' };

test('median takes the middle value, or the mean of the middle two', () => {
  expect(median([])).toBeNull();
  expect(median([7])).toBe(7);
  expect(median([9, 1, 5])).toBe(5);
  expect(median([4, 1, 10, 2])).toBe(3);
});

describe.each(DIALECTS)('cycle report on %s', (dialect) => {
  const t = useTestDatabase(dialect);
  const now = Date.now();
  const cycle = {
    cycleId: 'cy-1',
    name: '第二期孵化周期',
    periodStart: iso(now - 30 * DAY),
    periodEnd: iso(now + DAY),
    compounds: ['c1'],
    coordinator: { id: 'co-1' },
    supervisor: { id: 'su-1' },
    milestones: [
      { id: 'ms1', name: '启动培训', dueAt: iso(now - 20 * DAY) },
      { id: 'ms2', name: '中期督导', dueAt: iso(now - 10 * DAY) },
      { id: 'ms3', name: '经验分享', dueAt: iso(now + 30 * DAY) },
    ],
  };
  const rules = { attendance: 10, perVolunteerHour: 6, familyLearning: 0 };

  beforeAll(async () => {
    const db = t.db;
    await db.insertInto('compounds').values({ id: 'c1', name: '锦绣花园' }).execute();
    await db
      .insertInto('families')
      .values([
        { id: 'fa', compound_id: 'c1', name: '刘家', email: 'fa@example.test', locale: 'zh-CN', members: 3, qr_token: 'qa' },
        { id: 'fb', compound_id: 'c1', name: '赵家', email: 'fb@example.test', locale: 'zh-CN', members: 2, qr_token: 'qb' },
      ])
      .execute();
    await db.insertInto('volunteers').values({ id: 'va', name: '周志愿', email: 'va@example.test', locale: 'zh-CN', compound_id: 'c1', qr_token: 'qv' }).execute();
    await db
      .insertInto('merchants')
      .values([
        { id: 'm1', name: '万达广场', email: 'm1@example.test', locale: 'zh-CN' },
        { id: 'm2', name: '西西弗书店', email: 'm2@example.test', locale: 'zh-CN' },
      ])
      .execute();
  });

  /** An activity held `daysAgo`, with check-ins, its tally, points and summary, through the real services. */
  async function held(
    activityId: string,
    daysAgo: number,
    people: { families: string[]; volunteerHours?: number },
    summary: Partial<ActivitySummary>,
  ): Promise<void> {
    const store = new SqlActivityStore(t.db);
    const startsAt = iso(now - daysAgo * DAY);
    const endsAt = iso(now - daysAgo * DAY + 2 * HOUR);
    const closesAt = now - daysAgo * DAY + 3 * HOUR;
    await store.upsertActivity({ activityId, cycleId: cycle.cycleId, compound: 'c1', title: `活动 ${activityId}`, startsAt, endsAt, capacity: 50, stage: 'attendance' });
    await store.openAttendance(activityId, { opensAt: startsAt, closesAt: iso(closesAt) });
    for (const f of people.families) await new CheckIns(t.db).checkIn({ activityId, personKind: 'family', personId: f, method: 'qr' });
    if (people.volunteerHours) {
      await new CheckIns(t.db, { now: () => new Date(closesAt - people.volunteerHours! * HOUR) }).checkIn({ activityId, personKind: 'volunteer', personId: 'va', method: 'staff' });
    }
    const tally = await store.closeAttendance(activityId);
    const award = await store.awardActivityPoints(activityId, rules);
    await store.saveActivitySummary({
      activityId,
      cycleId: cycle.cycleId,
      compound: 'c1',
      title: `活动 ${activityId}`,
      theme: '邻里节',
      startsAt,
      endsAt,
      outcome: 'completed',
      tally,
      pointsAwarded: award.pointsAwarded,
      venueHours: 0,
      approvalRounds: 1,
      feedback: 'missing',
      decisions: [],
      ...summary,
    });
  }

  it('records a cycle once; the first definition stands', async () => {
    const cycles = new Cycles(t.db);
    expect(await cycles.ensure(cycle)).toEqual({ created: true });
    expect(await cycles.ensure({ ...cycle, name: '改名', milestones: [] })).toEqual({ created: false });
    expect(await cycles.get(cycle.cycleId)).toMatchObject({ name: cycle.name, compounds: ['c1'], coordinatorId: 'co-1', closedAt: null });
    expect((await cycles.milestones(cycle.cycleId)).map((m) => m.milestoneId)).toEqual(['ms1', 'ms2', 'ms3']);
    expect((await cycles.list()).map((c) => c.id)).toEqual([cycle.cycleId]);
    expect(await cycles.list({ compound: 'c-other' })).toEqual([]);
  });

  it('keeps the first record of a milestone', async () => {
    const cycles = new Cycles(t.db);
    await cycles.recordMilestone({ cycleId: cycle.cycleId, milestoneId: 'ms1', by: { id: 'co-1', name: '张协调', role: 'coordinator' }, at: iso(now - 21 * DAY), notes: '按时' });
    await cycles.recordMilestone({ cycleId: cycle.cycleId, milestoneId: 'ms1', by: supervisor, at: iso(now), notes: '重复' });
    const [ms1] = await cycles.milestones(cycle.cycleId);
    expect(ms1).toMatchObject({ doneAt: iso(now - 21 * DAY), doneBy: { id: 'co-1', name: '张协调' }, notes: '按时' });
    await expect(cycles.recordMilestone({ cycleId: cycle.cycleId, milestoneId: 'nope', by: supervisor, at: iso(now) })).rejects.toMatchObject({ code: 'MILESTONE_NOT_FOUND' });
  });

  it('records sponsorships exactly to the fen; a repeated id records nothing new; other figures under it, or an unknown merchant or cycle, are refused', async () => {
    const cycles = new Cycles(t.db);
    const first = await cycles.recordSponsorship({ id: 'sp-1', cycleId: cycle.cycleId, merchantId: 'm1', amountCny: 100.25, note: '冠名', recordedBy: 'co-1' });
    expect(first).toMatchObject({ created: true, sponsorship: { amountCny: 100.25 } });
    expect(await cycles.recordSponsorship({ id: 'sp-1', cycleId: cycle.cycleId, merchantId: 'm1', amountCny: 100.25, recordedBy: 'co-1' })).toMatchObject({ created: false });
    await cycles.recordSponsorship({ cycleId: cycle.cycleId, merchantId: 'm1', amountCny: 0.5, recordedBy: 'co-1' });
    await expect(cycles.recordSponsorship({ id: 'sp-1', cycleId: cycle.cycleId, merchantId: 'm1', amountCny: 99, recordedBy: 'co-1' })).rejects.toMatchObject({ code: 'DUPLICATE' });
    await expect(cycles.recordSponsorship({ cycleId: cycle.cycleId, merchantId: 'm-none', amountCny: 1, recordedBy: 'co-1' })).rejects.toMatchObject({ code: 'MERCHANT_NOT_FOUND' });
    await expect(cycles.recordSponsorship({ cycleId: 'no-cycle', merchantId: 'm1', amountCny: 1, recordedBy: 'co-1' })).rejects.toBeInstanceOf(CycleError);
    await expect(cycles.recordSponsorship({ cycleId: cycle.cycleId, merchantId: 'm1', amountCny: 0.001, recordedBy: 'co-1' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const listed = await cycles.listSponsorships(cycle.cycleId);
    expect(listed.map((s) => s.amountCny).sort()).toEqual([0.5, 100.25]);
    expect(listed.every((s) => typeof s.amountCny === 'number')).toBe(true);
  });

  it('computes every figure from the records, with the ids behind each', async () => {
    // x1: held; the coordinator assigned a merchant's venue; feedback missing; escalated approval.
    await held('x1', 20, { families: ['fa', 'fb'], volunteerHours: 2 }, {
      venue: { venueName: '书店活动区', merchantId: 'm2', hours: 5, source: 'coordinator' },
      venueHours: 5,
      approvalTurnaroundMs: 2 * HOUR,
      decisions: [{ kind: 'approvalEscalated', round: 1, outcome: 'escalated', at: iso(now - 22 * DAY) }],
    });
    // x2: held in a community venue, with feedback.
    await held('x2', 10, { families: ['fa'] }, {
      venue: { venueName: '社区活动室', hours: 3, source: 'community' },
      venueHours: 3,
      approvalTurnaroundMs: 6 * HOUR,
      feedback: { ratings: { organisation: 5, participation: 4, effect: 4 }, comment: '', by: supervisor, at: iso(now - 9 * DAY) },
    });
    // x3: rejected; x4: still at approval.
    const store = new SqlActivityStore(t.db);
    await store.saveActivitySummary({
      activityId: 'x3',
      cycleId: cycle.cycleId,
      compound: 'c1',
      title: '活动 x3',
      theme: '楼道美化',
      startsAt: iso(now - 5 * DAY),
      endsAt: iso(now - 5 * DAY + HOUR),
      outcome: 'rejected',
      tally: { participants: 0, families: 0, volunteers: 0, volunteerHours: 0 },
      pointsAwarded: 0,
      venueHours: 0,
      approvalRounds: 1,
      approvalTurnaroundMs: HOUR,
      feedback: null,
      decisions: [],
    });
    await store.upsertActivity({ activityId: 'x4', cycleId: cycle.cycleId, compound: 'c1', title: '活动 x4', startsAt: iso(now + DAY), endsAt: iso(now + DAY + HOUR), capacity: 30, stage: 'approval' });
    // An activity of another cycle is not counted.
    await new SqlActivityStore(t.db).upsertActivity({ activityId: 'other', cycleId: 'cy-other', compound: 'c1', title: '别的', startsAt: iso(now), endsAt: iso(now + HOUR), capacity: 30, stage: 'planning' });

    // fb's attendance award from x1 is taken back; fa redeems a reward.
    const ledger = new Ledger(t.db);
    const fbAward = (await ledger.history({ kind: 'family', id: 'fb' })).find((e) => e.activityId === 'x1' && e.rule === 'attendance')!;
    await ledger.reverse({ entryId: fbAward.id, idempotencyKey: 'rev-fb', note: '误发' });
    const reward = await ledger.createReward({ name: '借阅券', kind: 'education', price: 5, stock: 3 });
    await ledger.redeem('fa', reward.id, 'redeem-fa');

    const asOf = iso(now + 2 * DAY);
    const report = await computeCycleReport(t.db, cycle.cycleId, { asOf });

    expect(report.activities.held).toEqual({ count: 2, activityIds: ['x1', 'x2'] });
    expect(report.activities.rejected).toEqual({ count: 1, activityIds: ['x3'] });
    expect(report.activities.cancelled).toEqual({ count: 0, activityIds: [] });
    expect(report.activities.unfinished).toEqual({ count: 1, activityIds: ['x4'] });
    expect(report.activities.rows.find((r) => r.activityId === 'x4')).toMatchObject({ outcome: 'unfinished', stage: 'approval' });

    // x1: fa 3 + fb 2 + 1 volunteer; x2: fa 3.
    expect(report.participants).toEqual({ total: 9, average: 4.5, perActivity: [{ activityId: 'x1', participants: 6 }, { activityId: 'x2', participants: 3 }] });
    expect(report.families.distinct).toEqual({ count: 2, familyIds: ['fa', 'fb'], activityIds: ['x1', 'x2'] });
    // fb's only award was taken back: it earned nothing net.
    expect(report.families.earnedPoints).toEqual({ count: 1, familyIds: ['fa'], activityIds: ['x1', 'x2'] });

    expect(report.points.awarded).toMatchObject({ total: 20 + 0 + 12, toFamilies: 20, toVolunteers: 12, activityIds: ['x1', 'x2'] });
    expect(report.points.redeemed).toMatchObject({ points: 5, familyIds: ['fa'] });
    expect(report.points.expired).toMatchObject({ points: 0, familyIds: [] });
    expect(report.points.outstanding).toEqual({ points: 15, familyIds: ['fa', 'fb'] });

    expect(report.volunteers.distinct).toEqual({ count: 1, volunteerIds: ['va'], activityIds: ['x1'] });
    expect(report.volunteers.hours.total).toBe(2);
    expect(report.volunteers.rows).toEqual([{ volunteerId: 'va', name: '周志愿', activityIds: ['x1'], hours: 2, pointsEarned: 12 }]);

    expect(report.merchants.engaged).toEqual({ count: 2, merchantIds: ['m1', 'm2'], lentVenue: ['m2'], sponsored: ['m1'], names: { m1: '万达广场', m2: '西西弗书店' } });
    expect(report.merchants.venuesLent).toEqual({ count: 1, venues: [{ merchantId: 'm2', venueName: '书店活动区', hours: 5, activityIds: ['x1'] }] });
    expect(report.merchants.venueHours).toEqual({ total: 5, activityIds: ['x1'] });
    expect(report.sponsorship).toMatchObject({ totalCny: 100.75, count: 2, byMerchant: [{ merchantId: 'm1', amountCny: 100.75 }] });

    expect(report.approvals).toEqual({
      decided: { count: 3, activityIds: ['x1', 'x2', 'x3'] },
      medianTurnaroundMs: 2 * HOUR,
      slowest: { activityId: 'x2', turnaroundMs: 6 * HOUR },
      escalated: { count: 1, activityIds: ['x1'] },
    });
    expect(report.feedback).toEqual({
      received: { count: 1, activityIds: ['x2'] },
      missing: { count: 1, activityIds: ['x1'] },
      averages: { organisation: 5, participation: 4, effect: 4 },
    });
    expect(report.milestones).toMatchObject({
      onTime: { count: 1, milestoneIds: ['ms1'] },
      late: { count: 0, milestoneIds: [] },
      missed: { count: 1, milestoneIds: ['ms2'] },
      pending: { count: 1, milestoneIds: ['ms3'] },
    });

    // Not closed yet: the report is computed on demand.
    expect((await loadCycleReport(t.db, cycle.cycleId)).final).toBe(false);
  });

  it('shares one computation of an open cycle’s report among the reads made while it runs, and computes anew for a later read', async () => {
    const load = reportDeps(t.db).loadCycleReport;
    const [a, b] = await Promise.all([load(cycle.cycleId), load(cycle.cycleId)]);
    expect(a.final).toBe(false);
    expect(b).toBe(a);
    const later = await load(cycle.cycleId);
    expect(later).not.toBe(a);
    expect(later).toMatchObject({ final: false, report: { cycleId: cycle.cycleId } });
    expect(Date.parse(later.report.asOf)).toBeGreaterThanOrEqual(Date.parse(a.report.asOf));
    await expect(load('no-such-cycle')).rejects.toMatchObject({ code: 'CYCLE_NOT_FOUND' });
  });

  it('saves the first report as final, closes the cycle, and refuses later sponsorships', async () => {
    const cycles = new Cycles(t.db);
    const first = await computeCycleReport(t.db, cycle.cycleId, { asOf: iso(now + 2 * DAY) });
    expect(await cycles.saveReport(first)).toEqual(first);
    const second = await computeCycleReport(t.db, cycle.cycleId, { asOf: iso(now + 3 * DAY) });
    expect(await cycles.saveReport(second)).toEqual(first);
    expect(await loadCycleReport(t.db, cycle.cycleId)).toEqual({ final: true, report: first });
    expect((await cycles.get(cycle.cycleId))?.closedAt).toBe(first.asOf);
    await expect(cycles.recordSponsorship({ cycleId: cycle.cycleId, merchantId: 'm2', amountCny: 10, recordedBy: 'co-1' })).rejects.toMatchObject({ code: 'CYCLE_CLOSED' });
    await expect(computeCycleReport(t.db, 'no-such-cycle')).rejects.toMatchObject({ code: 'CYCLE_NOT_FOUND' });
  });
});
