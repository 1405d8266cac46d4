/**
 * A whole incubation cycle through the real API, the real workflows and the real ledger on the
 * shared Temporal dev server: two themed activities (one held, one cancelled), registrations and
 * check-ins through the db services, supervision feedback from the emailed link, sponsorships
 * through the API, a redemption and an expiry in the ledger. The cycle closes after its period,
 * once neither activity runs, and every figure of its report must equal what this test works out
 * from the inputs it chose (never by running the report's own queries).
 */
import { parseCsv } from '../../lib/csv';
import { CheckIns } from '../../db/services/checkin';
import { Ledger } from '../../db/services/ledger';
import { Registrations } from '../../db/services/registration';
import type { PlanRequestInput } from '../../api/activities/schemas';
import type { CycleReport } from '../../domain/cycle-report';
import { incubationCycleWorkflowId } from '../../domain/cycle';
import type { incubationCycleWorkflow } from '../../workflows/incubation-cycle';
import { closedReport } from './closed-report';
import { themedActivityWorkflowId, type ActivitySummary } from '../../domain/activity';
import { ACTIVITY_OUTCOME_TERMS, label } from '../../domain/vocabulary';
import {
  FAMILIES,
  MERCHANTS,
  STAFF,
  TEST_TIMINGS,
  TOKENS,
  VOLUNTEERS,
  api,
  eventually,
  linkIn,
  mailTo,
  startCycleHarness,
  submit,
  type CycleHarness,
} from './harness';

const SECOND = 1_000;
const HOUR = 3_600_000;

let h: CycleHarness;

beforeAll(async () => {
  h = await startCycleHarness();
});

afterAll(async () => {
  await h?.close();
});

const run = `${process.pid}-${Date.now().toString(36)}`;
const iso = (ms: number) => new Date(ms).toISOString();
const at = (ms: number) => new Date(Math.floor(ms / SECOND) * SECOND);

async function stageOf(activityId: string): Promise<string> {
  const res = await api(h.baseUrl, 'GET', `/api/activities/${activityId}`, { who: 'co' });
  expect(res.status).toBe(200);
  return res.body.stage as string;
}

async function untilStage(activityId: string, stage: string, timeoutMs = 30_000): Promise<void> {
  await eventually(async () => ((await stageOf(activityId)) === stage ? true : undefined), timeoutMs, `${activityId} at ${stage}`);
}

test('a whole cycle of two activities closes with a report whose every figure matches the records the test made', async () => {
  const t0 = Date.now();
  const cycleId = `cycle-${run}`;

  // ---- the inputs this test chooses ----------------------------------------------------------
  const rules = { attendance: 10, perVolunteerHour: 4, familyLearning: 5 };
  // A venue is never booked longer than the activity lasts: A lasts 36 s, its venue 0.01 h.
  const venueHours = 0.01;
  const startsAtA = at(t0 + 25 * SECOND);
  const endsAtA = new Date(startsAtA.getTime() + 36 * SECOND);
  const closesAtA = endsAtA.getTime() + TEST_TIMINGS.attendanceClosesAfter;
  const checkInsA = [
    { familyId: 'cf-1', registered: 3, members: undefined }, // comes as registered: 3 people
    { familyId: 'cf-2', registered: 2, members: 4 }, // registered 2, came with 4
    { familyId: 'cf-3', registered: undefined, members: undefined }, // walk-in: the family's size, 2
  ] as const;
  const volunteerShifts = [
    { volunteerId: 'cv-1', inAt: closesAtA - 2.5 * HOUR, outAt: undefined }, // still there at the close: 2.5 h
    { volunteerId: 'cv-2', inAt: closesAtA - 3 * HOUR, outAt: closesAtA - 2 * HOUR }, // 1 h
  ];
  const ratings = { organisation: 4, participation: 5, effect: 3 };
  const sponsorships = [
    { id: `sp-wanda-${run}`, merchantId: 'm-wanda', amountCny: 3200.5, note: '冠名赞助"邻里节"' },
    { id: `sp-books-${run}`, merchantId: 'm-books', amountCny: 1800, note: '图书奖品' },
  ];
  const rewardPrice = 8;
  const backdatedPoints = 7;
  const milestones = {
    kickoff: { id: 'kickoff', name: '启动培训', dueAt: iso(t0 + 60 * SECOND) }, // recorded at once: on time
    midterm: { id: 'midterm', name: '中期督导', dueAt: iso(t0 + 6 * SECOND) }, // recorded after its escalation: late
    review: { id: 'review', name: '活动复盘', dueAt: iso(t0 + HOUR) }, // never recorded, not yet due: pending
    sharing: { id: 'sharing', name: '经验分享', dueAt: iso(t0 + 3 * SECOND) }, // never recorded, past due: missed
  };
  const periodEnd = iso(t0 + 40 * SECOND); // during activity A's check-in: the cycle must wait for it

  // ---- the cycle ---------------------------------------------------------------------------
  const started = await api(h.baseUrl, 'POST', '/api/cycles', {
    who: 'co',
    body: {
      id: cycleId,
      name: `锦华合鸣第一期 ${run}`,
      periodStart: iso(t0 - HOUR),
      periodEnd,
      compounds: ['c-east'],
      milestones: Object.values(milestones),
      timings: { milestoneReminderBeforeMs: 2_000, milestoneEscalateAfterMs: 1_000, activityPollMs: 1_000 },
    },
  });
  expect(started.status).toBe(201);
  expect(started.body).toMatchObject({ cycleId, workflowId: incubationCycleWorkflowId(cycleId), existing: false });
  expect((await api(h.baseUrl, 'POST', '/api/cycles', { who: 'co', body: { id: cycleId, name: 'again', periodStart: iso(t0), periodEnd, compounds: ['c-east'] } })).body).toMatchObject({
    existing: true,
  });

  // Milestone records: on time, refused twice, unknown, and (later) late.
  const kickoff = await api(h.baseUrl, 'POST', `/api/cycles/${cycleId}/milestones/kickoff`, { who: 'co', body: { notes: '培训 32 人' } });
  expect(kickoff.status).toBe(200);
  expect(kickoff.body).toMatchObject({ state: 'done', onTime: true, by: { id: STAFF.co.id, role: 'coordinator' } });
  const twice = await api(h.baseUrl, 'POST', `/api/cycles/${cycleId}/milestones/kickoff`, { who: 'su', body: {} });
  expect(twice.status).toBe(409);
  expect(twice.body.error).toMatchObject({ code: 'AlreadyDecided', message: expect.stringContaining(STAFF.co.name) });
  const unknown = await api(h.baseUrl, 'POST', `/api/cycles/${cycleId}/milestones/nope`, { who: 'co', body: {} });
  expect(unknown.status).toBe(404);
  expect(unknown.body.error).toMatchObject({ code: 'NotFound', message: expect.stringContaining(`Cycle ${cycleId} has no milestone nope (known: `) });
  for (const m of Object.values(milestones)) expect(unknown.body.error.message).toContain(m.id);
  expect((await api(h.baseUrl, 'POST', `/api/cycles/${cycleId}/milestones/midterm`, { who: 'pm', body: {} })).status).toBe(403);

  // Sponsorships through the API; a repeat with the same id records nothing new; an unknown merchant is refused.
  for (const s of sponsorships) {
    const res = await api(h.baseUrl, 'POST', `/api/cycles/${cycleId}/sponsorships`, { who: 'co', body: s });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: s.id, cycleId, merchantId: s.merchantId, amountCny: s.amountCny, recordedBy: STAFF.co.id });
  }
  expect((await api(h.baseUrl, 'POST', `/api/cycles/${cycleId}/sponsorships`, { who: 'co', body: sponsorships[0] })).status).toBe(200);
  const badMerchant = await api(h.baseUrl, 'POST', `/api/cycles/${cycleId}/sponsorships`, { who: 'co', body: { merchantId: 'm-none', amountCny: 1 } });
  expect(badMerchant.status).toBe(422);
  const badAmount = await api(h.baseUrl, 'POST', `/api/cycles/${cycleId}/sponsorships`, { who: 'co', body: { merchantId: 'm-books', amountCny: 1.234 } });
  expect(badAmount.status).toBe(400);
  expect(badAmount.body.error.details).toEqual([expect.objectContaining({ field: 'amountCny' })]);

  // ---- activity A: merchant venue, held -------------------------------------------------------
  const wanda = MERCHANTS[0];
  const titleA = `邻里节·亲子运动会 ${run}`;
  const planA: PlanRequestInput = {
    title: titleA,
    theme: '邻里节',
    compound: 'c-east',
    startsAt: startsAtA.toISOString(),
    endsAt: endsAtA.toISOString(),
    capacity: 50,
    venue: { kind: 'merchant', hours: venueHours, candidateMerchants: [{ merchantId: wanda.id }] },
    volunteersNeeded: 2,
    pointsRules: rules,
    budget: 3000,
  };
  const activityA = `act-a-${run}`;
  expect((await api(h.baseUrl, 'POST', '/api/activities', { who: 'co', body: { activityId: activityA, cycleId, plan: planA } })).status).toBe(201);

  // ---- activity B: community venue, approved, then cancelled ---------------------------------
  const activityB = `act-b-${run}`;
  // Within the cycle's period (an activity must start in it), late enough to be cancelled before its check-in opens.
  const startsAtB = at(t0 + 39 * SECOND);
  const planB: PlanRequestInput = {
    ...planA,
    title: `幸福家庭日·心理减压工作坊 ${run}`,
    theme: '幸福家庭日',
    startsAt: startsAtB.toISOString(),
    endsAt: new Date(startsAtB.getTime() + 2 * HOUR).toISOString(),
    venue: { kind: 'community', venueName: '东苑活动室', hours: 2 },
  };
  expect((await api(h.baseUrl, 'POST', '/api/activities', { who: 'co', body: { activityId: activityB, cycleId, plan: planB } })).status).toBe(201);

  // A: the merchant accepts from the emailed link; the coordinator approves through the API.
  const venueMail = await mailTo(h.mailbox, wanda.email, titleA);
  expect((await submit(linkIn(venueMail), { choice: 'accept', comment: '欢迎' })).status).toBe(200);
  await untilStage(activityA, 'approval');
  expect((await api(h.baseUrl, 'POST', `/api/activities/${activityA}/approval`, { who: 'co', body: { round: 1, decision: 'approve' } })).status).toBe(200);

  // B: approved, then cancelled before check-in opens.
  await untilStage(activityB, 'approval');
  expect((await api(h.baseUrl, 'POST', `/api/activities/${activityB}/approval`, { who: 'co', body: { round: 1, decision: 'approve' } })).status).toBe(200);
  await untilStage(activityB, 'reminders');
  expect((await api(h.baseUrl, 'POST', `/api/activities/${activityB}/cancel`, { who: 'co', body: { reason: '场地维修' } })).status).toBe(200);

  // The mid-term milestone passes its due time: the coordinator is told; the supervisor records it late.
  const escalation = await mailTo(h.mailbox, STAFF.co.email, '孵化节点逾期：中期督导');
  expect(escalation.text).toContain(`/dashboard/cycles/${cycleId}`);
  const midterm = await api(h.baseUrl, 'POST', `/api/cycles/${cycleId}/milestones/midterm`, { who: 'su', body: { notes: '延期完成' } });
  expect(midterm.status).toBe(200);
  expect(midterm.body).toMatchObject({ state: 'done', onTime: false, by: { id: STAFF.su.id, role: 'supervisor' } });

  // Registrations (db service), once the workflow has recorded A's approval: families register only after it.
  const registrations = new Registrations(h.db);
  await eventually(async () => (['reminders', 'attendance'].includes(await stageOf(activityA)) ? true : undefined), 20_000, 'activity A approved');
  for (const c of checkInsA) if (c.registered) expect(await registrations.register(activityA, c.familyId, c.registered)).toBe('registered');

  // Check-ins (db service) while check-in is open. Volunteers' shifts are the test's choice of clock.
  await eventually(
    async () => ((await h.db.selectFrom('activities').select('attendance_state').where('id', '=', activityA).executeTakeFirstOrThrow()).attendance_state === 'open' ? true : undefined),
    40_000,
    'check-in of A to open',
  );
  const checkIns = new CheckIns(h.db);
  for (const c of checkInsA) {
    expect((await checkIns.checkIn({ activityId: activityA, personKind: 'family', personId: c.familyId, method: 'qr', ...(c.members ? { members: c.members } : {}) })).status).toBe('checkedIn');
  }
  for (const v of volunteerShifts) {
    const clocked = new CheckIns(h.db, { now: () => new Date(v.inAt) });
    expect((await clocked.checkIn({ activityId: activityA, personKind: 'volunteer', personId: v.volunteerId, method: 'staff' })).status).toBe('checkedIn');
    if (v.outAt) expect((await new CheckIns(h.db, { now: () => new Date(v.outAt) }).checkOut(activityA, v.volunteerId)).status).toBe('checkedOut');
  }

  // Points are awarded when check-in closes; then the supervisor is asked for feedback.
  const feedbackMail = await mailTo(h.mailbox, STAFF.su.email, `督导反馈：${titleA}`, 60_000);

  // The period is over but A still runs: the cycle waits for it.
  const waiting = await api(h.baseUrl, 'GET', `/api/cycles/${cycleId}`, { who: 'co' });
  expect(waiting.status).toBe(200);
  expect(Date.now()).toBeGreaterThan(Date.parse(periodEnd));
  expect(waiting.body).toMatchObject({ phase: 'waitingForActivities', closed: false });

  // Ledger: an old award of cf-3's expires; cf-1 redeems a reward.
  const ledger = new Ledger(h.db);
  const oldYear = new Date().getUTCFullYear() - 3;
  await ledger.award({ holder: { kind: 'family', id: 'cf-3' }, amount: backdatedPoints, idempotencyKey: `old-${run}`, earnedAt: `${oldYear}-06-01T00:00:00+08:00`, note: '往年积分' });
  expect(await ledger.expirePoints(new Date().toISOString())).toEqual({ entries: 1, points: backdatedPoints });
  const reward = await ledger.createReward({ name: '社区图书馆借阅券', kind: 'education', price: rewardPrice, stock: 10 });
  await ledger.redeem('cf-1', reward.id, `redeem-${run}`);

  // Supervision feedback from the emailed link.
  const fed = await submit(linkIn(feedbackMail), { organisation: String(ratings.organisation), participation: String(ratings.participation), effect: String(ratings.effect), comment: '组织有序' });
  expect(fed.status).toBe(200);

  // ---- the cycle closes --------------------------------------------------------------------
  const report = await closedReport(h.db, h.client.workflow.getHandle<typeof incubationCycleWorkflow>(incubationCycleWorkflowId(cycleId)));
  const summaryA: ActivitySummary = await h.client.workflow.getHandle(themedActivityWorkflowId(activityA)).result();
  const summaryB: ActivitySummary = await h.client.workflow.getHandle(themedActivityWorkflowId(activityB)).result();
  expect(summaryA.outcome).toBe('completed');
  expect(summaryB.outcome).toBe('cancelled');

  // ---- what the test expects, from its own inputs ---------------------------------------------
  const family = (id: string) => FAMILIES.find((f) => f.id === id)!;
  const membersCame = checkInsA.map((c) => c.members ?? c.registered ?? family(c.familyId).members);
  const participants = membersCame.reduce((s, n) => s + n, 0) + volunteerShifts.length;
  const shiftHours = volunteerShifts.map((v) => (Math.min(v.outAt ?? closesAtA, closesAtA) - v.inAt) / HOUR);
  const familyPoints = rules.attendance + rules.familyLearning;
  const volunteerPoints = shiftHours.map((hrs) => Math.floor(hrs * rules.perVolunteerHour));
  const familiesIds = checkInsA.map((c) => c.familyId).sort();
  const balances: Record<string, number> = { 'cf-1': familyPoints - rewardPrice, 'cf-2': familyPoints, 'cf-3': familyPoints + backdatedPoints - backdatedPoints };
  const turnarounds = [summaryA.approvalTurnaroundMs!, summaryB.approvalTurnaroundMs!];
  const sponsorshipFen = sponsorships.reduce((s, x) => s + Math.round(x.amountCny * 100), 0);

  expect(report.cycleId).toBe(cycleId);
  expect(Date.parse(report.asOf)).toBeGreaterThan(Date.parse(periodEnd));
  expect(report.activities.held).toEqual({ count: 1, activityIds: [activityA] });
  expect(report.activities.cancelled).toEqual({ count: 1, activityIds: [activityB] });
  expect(report.activities.rejected).toEqual({ count: 0, activityIds: [] });
  expect(report.activities.unfinished).toEqual({ count: 0, activityIds: [] });

  expect(participants).toBe(3 + 4 + 2 + 2);
  expect(report.participants).toEqual({ total: participants, average: participants, perActivity: [{ activityId: activityA, participants }] });

  expect(report.families.distinct).toEqual({ count: 3, familyIds: familiesIds, activityIds: [activityA] });
  expect(report.families.earnedPoints).toEqual({ count: 3, familyIds: familiesIds, activityIds: [activityA] });

  expect(report.points.awarded).toMatchObject({
    total: 3 * familyPoints + volunteerPoints.reduce((s, p) => s + p, 0),
    toFamilies: 3 * familyPoints,
    toVolunteers: volunteerPoints.reduce((s, p) => s + p, 0),
    activityIds: [activityA],
  });
  expect(report.points.awarded.entryIds).toHaveLength(3 * 2 + 2); // attendance + family learning per family, hours per volunteer
  expect(report.points.redeemed).toMatchObject({ points: rewardPrice, familyIds: ['cf-1'] });
  expect(report.points.expired).toMatchObject({ points: backdatedPoints, familyIds: ['cf-3'] });
  expect(report.points.outstanding).toEqual({ points: Object.values(balances).reduce((s, b) => s + b, 0), familyIds: familiesIds });
  expect(report.points.window).toEqual({ from: iso(t0 - HOUR), to: report.asOf });
  for (const row of report.families.rows) {
    expect(row).toMatchObject({
      name: family(row.familyId).name,
      activityIds: [activityA],
      pointsEarned: familyPoints,
      pointsRedeemed: row.familyId === 'cf-1' ? rewardPrice : 0,
      pointsExpired: row.familyId === 'cf-3' ? backdatedPoints : 0,
      balance: balances[row.familyId],
    });
  }

  expect(report.volunteers.distinct).toEqual({ count: 2, volunteerIds: VOLUNTEERS.map((v) => v.id), activityIds: [activityA] });
  expect(report.volunteers.hours).toEqual({ total: 3.5, perActivity: [{ activityId: activityA, hours: shiftHours.reduce((s, x) => s + x, 0) }] });
  expect(report.volunteers.rows.map((v) => [v.volunteerId, v.hours, v.pointsEarned])).toEqual(
    volunteerShifts.map((v, i) => [v.volunteerId, shiftHours[i], volunteerPoints[i]]),
  );

  expect(report.merchants.engaged).toMatchObject({ count: 2, merchantIds: ['m-books', 'm-wanda'], lentVenue: ['m-wanda'], sponsored: ['m-books', 'm-wanda'] });
  expect(report.merchants.venuesLent).toEqual({ count: 1, venues: [{ merchantId: 'm-wanda', venueName: wanda.venueName, hours: venueHours, activityIds: [activityA] }] });
  expect(report.merchants.venueHours).toEqual({ total: venueHours, activityIds: [activityA] });

  expect(report.sponsorship).toMatchObject({
    totalCny: sponsorshipFen / 100,
    count: 2,
    sponsorshipIds: expect.arrayContaining(sponsorships.map((s) => s.id)),
    byMerchant: [
      { merchantId: 'm-books', amountCny: 1800, sponsorshipIds: [sponsorships[1]!.id] },
      { merchantId: 'm-wanda', amountCny: 3200.5, sponsorshipIds: [sponsorships[0]!.id] },
    ],
  });
  expect(report.sponsorship.totalCny).toBe(5000.5);

  expect(report.approvals.decided).toEqual({ count: 2, activityIds: [activityA, activityB].sort() });
  expect(report.approvals.medianTurnaroundMs).toBe((turnarounds[0]! + turnarounds[1]!) / 2);
  const slowest = turnarounds[0]! >= turnarounds[1]! ? activityA : activityB;
  expect(report.approvals.slowest).toEqual({ activityId: slowest, turnaroundMs: Math.max(...turnarounds) });

  expect(report.feedback).toEqual({ received: { count: 1, activityIds: [activityA] }, missing: { count: 0, activityIds: [] }, averages: ratings });

  expect(report.milestones.onTime).toEqual({ count: 1, milestoneIds: ['kickoff'] });
  expect(report.milestones.late).toEqual({ count: 1, milestoneIds: ['midterm'] });
  expect(report.milestones.missed).toEqual({ count: 1, milestoneIds: ['sharing'] });
  expect(report.milestones.pending).toEqual({ count: 1, milestoneIds: ['review'] });

  // ---- the same report through the API, saved, as JSON and as CSV ----------------------------
  const viaApi = await api(h.baseUrl, 'GET', `/api/cycles/${cycleId}/report`, { who: 'co' });
  expect(viaApi.status).toBe(200);
  // A cycle without questionnaires: its outcome evaluation (computed now) has no rounds.
  expect(viaApi.body).toEqual({ final: true, report, evaluation: { cycleId, activityRounds: [] } });

  const csvRes = await fetch(`${h.baseUrl}/api/cycles/${cycleId}/report?format=csv&table=activities`, { headers: { authorization: `Bearer ${TOKENS.co}` } });
  expect(csvRes.status).toBe(200);
  expect(csvRes.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(csvRes.headers.get('content-disposition')).toContain(`cycle-${cycleId}-activities.csv`);
  const bytes = Buffer.from(await csvRes.arrayBuffer());
  expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  const rows = parseCsv(bytes.toString('utf8')).map((r) => r.fields);
  expect(rows[0]?.slice(0, 2)).toEqual(['活动编号', '活动名称']);
  const rowA = rows.find((r) => r[0] === activityA)!;
  // Status cells in words, the vocabulary's: a spreadsheet reader sees 已举办, not `completed`.
  expect(rowA).toEqual(expect.arrayContaining([titleA, label(ACTIVITY_OUTCOME_TERMS, 'completed', 'zh-CN'), String(participants), String(venueHours)]));
  expect(rows.find((r) => r[0] === activityB)).toEqual(expect.arrayContaining([label(ACTIVITY_OUTCOME_TERMS, 'cancelled', 'zh-CN')]));

  const summaryCsv = await fetch(`${h.baseUrl}/api/cycles/${cycleId}/report?format=csv&table=summary&lang=en`, { headers: { authorization: `Bearer ${TOKENS.co}` } });
  const summaryRows = parseCsv(await summaryCsv.text()).map((r) => r.fields);
  expect(summaryRows.find((r) => r[1] === 'sponsorship.totalCny')).toEqual(['Sponsorship (CNY)', 'sponsorship.totalCny', '5000.5', expect.stringContaining(sponsorships[0]!.id)]);
  expect((await api(h.baseUrl, 'GET', `/api/cycles/${cycleId}/report?format=csv`, { who: 'co' })).status).toBe(400);

  // The coordinator is told the report is ready; the progress shows the cycle closed with both activities.
  await mailTo(h.mailbox, STAFF.co.email, '孵化周期报告已生成');
  const closed = await api(h.baseUrl, 'GET', `/api/cycles/${cycleId}`, { who: 'co' });
  expect(closed.body).toMatchObject({ phase: 'closed', closed: true, runningActivityIds: [] });
  expect(closed.body.activities.map((a: { activityId: string; stage: string }) => [a.activityId, a.stage]).sort()).toEqual(
    [
      [activityA, 'completed'],
      [activityB, 'cancelled'],
    ].sort(),
  );
  // A late sponsorship is refused: the report is final.
  expect((await api(h.baseUrl, 'POST', `/api/cycles/${cycleId}/sponsorships`, { who: 'co', body: { merchantId: 'm-books', amountCny: 100 } })).status).toBe(409);
  // Nor may a new activity join the closed cycle.
  const lateActivity = await api(h.baseUrl, 'POST', '/api/activities', { who: 'co', body: { activityId: `${activityA}-late`, cycleId, plan: planA } });
  expect(lateActivity.status).toBe(409);
  expect(JSON.stringify(lateActivity.body)).toContain('closed');
});

test('a property manager of another compound can read neither the cycle nor its report; one of its compound reads the cycle only', async () => {
  const cycleId = `cycle-roles-${run}`;
  const now = Date.now();
  const started = await api(h.baseUrl, 'POST', '/api/cycles', {
    who: 'co',
    body: { id: cycleId, name: '角色测试', periodStart: iso(now), periodEnd: iso(now + HOUR), compounds: ['c-east'], milestones: [] },
  });
  expect(started.status).toBe(201);

  const west = await api(h.baseUrl, 'GET', `/api/cycles/${cycleId}`, { who: 'pmWest' });
  expect(west.status).toBe(403);
  expect(west.body.error.message).toContain('c-west');
  expect((await api(h.baseUrl, 'GET', `/api/cycles/${cycleId}/report`, { who: 'pmWest' })).status).toBe(403);
  expect((await api(h.baseUrl, 'GET', `/api/cycles/${cycleId}/report?format=csv&table=families`, { who: 'pmWest' })).status).toBe(403);

  expect((await api(h.baseUrl, 'GET', `/api/cycles/${cycleId}`, { who: 'pm' })).status).toBe(200);
  expect((await api(h.baseUrl, 'GET', `/api/cycles/${cycleId}`, { who: 'gw' })).status).toBe(200);
  expect((await api(h.baseUrl, 'GET', `/api/cycles/${cycleId}/report`, { who: 'pm' })).status).toBe(403);
  const provisional = await api(h.baseUrl, 'GET', `/api/cycles/${cycleId}/report`, { who: 'co' });
  expect(provisional.status).toBe(200);
  expect(provisional.body.final).toBe(false);
  expect((await api(h.baseUrl, 'POST', '/api/cycles', { who: 'pm', body: {} })).status).toBe(403);
  const invalid = await api(h.baseUrl, 'POST', '/api/cycles', { who: 'co', body: { id: 'x', name: 'x', periodStart: iso(now), periodEnd: iso(now - 1), compounds: [] } });
  expect(invalid.status).toBe(400);
  expect(invalid.body.error.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['compounds']));
  expect((await api(h.baseUrl, 'GET', '/api/cycles/no-such-cycle', { who: 'co' })).status).toBe(404);

  await h.client.workflow.getHandle(incubationCycleWorkflowId(cycleId)).terminate('test over');
});
