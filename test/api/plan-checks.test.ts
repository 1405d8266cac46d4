/**
 * What feeds the funders' figures is believable (security issue 8), through the real API and the
 * real workflow, on SQLite and PostgreSQL: a plan or a new time in the past, beyond its cycle,
 * lasting days, booking its venue past its end or giving too many points is refused with a 400
 * naming the field, and so is free text carrying control characters, NUL, bidirectional
 * overrides or lone surrogates. A refusal starts, records and sends nothing.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { themedActivityWorkflowId, type ActivityStatus } from '../../domain/activity';
import type { PlanRequestInput } from '../../api/activities/schemas';
import { DIALECTS } from '../db/harness';
import { DAY, HOUR, api, communityPlan, eventually, seedCycle, startApiHarness, unique, type ApiHarness } from './harness';

const iso = (ms: number) => new Date(ms).toISOString();

describe.each(DIALECTS)('on %s', (dialect) => {
  let h: ApiHarness;
  let cycleId: string;

  beforeAll(async () => {
    h = await startApiHarness({ worker: true, dialect });
    cycleId = await seedCycle(h.db, unique('cycle'), { periodStart: iso(Date.now() - DAY), periodEnd: iso(Date.now() + 60 * DAY) });
  });

  afterAll(async () => {
    await h?.close();
  });

  /** Starts through the API with an explicit id, so a refusal can be checked to have started nothing. */
  async function startWith(plan: PlanRequestInput, cycle = cycleId) {
    const activityId = unique('act');
    const res = await api(h.baseUrl, 'POST', '/api/activities', { who: 'co', body: { activityId, cycleId: cycle, plan } });
    return { res, activityId };
  }

  async function expectNothingStarted(activityId: string): Promise<void> {
    await expect(h.client.workflow.getHandle(themedActivityWorkflowId(activityId)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  }

  function expectRefused(res: { status: number; body: any }, field: string): void {
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('InvalidInput');
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect(res.body.error.message).toContain(field);
  }

  function planAt(startsAt: number, lengthMs = 2 * HOUR, overrides: Partial<PlanRequestInput> = {}): PlanRequestInput {
    return communityPlan(unique('邻里节'), { startsAt: iso(startsAt), endsAt: iso(startsAt + lengthMs), ...overrides });
  }

  const inTenDays = () => Math.floor((Date.now() + 10 * DAY) / 60_000) * 60_000;

  test('a plan that starts in the past, inside the check-in lead time or outside its cycle is refused naming plan.startsAt, and nothing starts', async () => {
    const cases: { what: string; plan: PlanRequestInput }[] = [
      { what: 'in 2020', plan: communityPlan(unique('旧活动'), { startsAt: '2020-05-01T09:00:00+08:00', endsAt: '2020-05-01T11:00:00+08:00' }) },
      // Check-in opens 30 min before the start (ATTENDANCE_OPENS_BEFORE): it would already be open.
      { what: 'in 20 minutes', plan: planAt(Date.now() + 20 * 60_000) },
      { what: 'after the cycle ends', plan: planAt(Date.now() + 90 * DAY) },
      { what: 'in the year 9000', plan: communityPlan(unique('远期'), { startsAt: '9000-01-01T09:00:00+08:00', endsAt: '9000-01-01T11:00:00+08:00' }) },
    ];
    for (const c of cases) {
      const { res, activityId } = await startWith(c.plan);
      expectRefused(res, 'plan.startsAt');
      await expectNothingStarted(activityId);
    }
  });

  test('a plan lasting over 3 days, booking its venue longer than it lasts or giving points past the bounds is refused naming each field', async () => {
    const tooLong = await startWith(planAt(inTenDays(), 3 * DAY + HOUR));
    expectRefused(tooLong.res, 'plan.endsAt');
    const venuePastEnd = await startWith(planAt(inTenDays(), 2 * HOUR, { venue: { kind: 'community', venueName: '东苑活动室', hours: 3 } }));
    expectRefused(venuePastEnd.res, 'plan.venue.hours');
    const points = await startWith(planAt(inTenDays(), 2 * HOUR, { pointsRules: { attendance: 101, perVolunteerHour: 51 } }));
    expectRefused(points.res, 'plan.pointsRules.attendance');
    expectRefused(points.res, 'plan.pointsRules.perVolunteerHour');
    for (const { activityId } of [tooLong, venuePastEnd, points]) await expectNothingStarted(activityId);
  });

  test('an unknown cycle id is refused naming cycleId, and no phantom cycle or activity appears', async () => {
    const phantom = unique('no-such-cycle');
    const { res, activityId } = await startWith(planAt(inTenDays()), phantom);
    expectRefused(res, 'cycleId');
    expect(res.body.error.message).toContain(phantom);
    await expectNothingStarted(activityId);
    expect(await h.db.selectFrom('cycles').select('id').where('id', '=', phantom).execute()).toEqual([]);
  });

  test('a plan within every bound starts (the bounds are inclusive: 3 days, 100 and 50 points, venue for the whole activity)', async () => {
    const { res } = await startWith(planAt(inTenDays(), 3 * DAY, { venue: { kind: 'community', venueName: '东苑广场', hours: 72 }, pointsRules: { attendance: 100, perVolunteerHour: 50 } }));
    expect(res.status).toBe(201);
  });

  test('a reschedule to the past, the year 9000, beyond the cycle, over 3 days or shorter than the venue booking is refused naming the field and changes nothing', async () => {
    const { res, activityId } = await startWith(planAt(inTenDays()));
    expect(res.status).toBe(201);
    const statusOf = async (): Promise<ActivityStatus> => (await api(h.baseUrl, 'GET', `/api/activities/${activityId}`, { who: 'co' })).body as ActivityStatus;
    const before = await eventually(async () => {
      const r = await api(h.baseUrl, 'GET', `/api/activities/${activityId}`, { who: 'co' });
      return r.status === 200 ? (r.body as ActivityStatus) : undefined;
    }, 20_000, 'the activity to answer');
    const start = inTenDays() + DAY;
    const cases: { body: { startsAt: string; endsAt: string }; field: string }[] = [
      { body: { startsAt: '2020-05-01T09:00:00+08:00', endsAt: '2020-05-01T11:00:00+08:00' }, field: 'startsAt' },
      { body: { startsAt: '9000-01-01T09:00:00+08:00', endsAt: '9000-01-01T11:00:00+08:00' }, field: 'startsAt' },
      { body: { startsAt: iso(Date.now() + 90 * DAY), endsAt: iso(Date.now() + 90 * DAY + 2 * HOUR) }, field: 'startsAt' },
      { body: { startsAt: iso(start), endsAt: iso(start + 4 * DAY) }, field: 'endsAt' },
      // The venue is booked for 2 h: a 1 h activity would report venue-hours it never used.
      { body: { startsAt: iso(start), endsAt: iso(start + HOUR) }, field: 'endsAt' },
    ];
    for (const c of cases) {
      expectRefused(await api(h.baseUrl, 'POST', `/api/activities/${activityId}/reschedule`, { who: 'co', body: { ...c.body, reason: '场地维修' } }), c.field);
    }
    const after = await statusOf();
    expect(after.plan.startsAt).toBe(before.plan.startsAt);
    expect(after.plan.endsAt).toBe(before.plan.endsAt);
    expect(after.decisions.filter((d) => d.kind === 'rescheduled')).toEqual([]);

    // A believable new time is still accepted, and it is the only change on record.
    const moved = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/reschedule`, { who: 'co', body: { startsAt: iso(start), endsAt: iso(start + 2 * HOUR), reason: '场地维修' } });
    expect(moved.status).toBe(200);
    expect(moved.body.plan.startsAt).toBe(iso(start));
    expect(moved.body.decisions.filter((d: { kind: string }) => d.kind === 'rescheduled')).toHaveLength(1);
  });

  test('free text with a bidi override, NUL, a control character or a lone surrogate is refused naming the field, and nothing is written', async () => {
    const title = await startWith(planAt(inTenDays(), 2 * HOUR, { title: `邻里节\u202E数据` }));
    expectRefused(title.res, 'plan.title');
    const description = await startWith(planAt(inTenDays(), 2 * HOUR, { description: 'a\u0000b' }));
    expectRefused(description.res, 'plan.description');
    const theme = await startWith(planAt(inTenDays(), 2 * HOUR, { theme: 'half \uD800 a pair' }));
    expectRefused(theme.res, 'plan.theme');
    for (const { activityId } of [title, description, theme]) await expectNothingStarted(activityId);

    // A decision's comment (refused before it reaches any workflow).
    expectRefused(await api(h.baseUrl, 'POST', '/api/activities/some-id/approval', { who: 'co', body: { round: 1, decision: 'reject', comment: 'no\u001B[2J' } }), 'comment');

    // The directory: a name and an import cell.
    const familyId = unique('fam');
    expectRefused(
      await api(h.baseUrl, 'POST', '/api/directory/families', { who: 'co', body: { id: familyId, compoundId: 'c-east', name: '王\u2066家', email: 'wang@example.test' } }),
      'name',
    );
    expect(await h.db.selectFrom('families').select('id').where('id', '=', familyId).execute()).toEqual([]);
    const p = unique('imp');
    const imported = await api(h.baseUrl, 'POST', '/api/directory/families/import', {
      who: 'co',
      rawBody: ['id,compound_id,name,email,members', `${p}-1,c-east,李家,li@example.test,2`, `${p}-2,c-east,张\u0007家,zhang@example.test,3`].join('\r\n'),
      headers: { 'content-type': 'text/csv; charset=utf-8' },
    });
    expect(imported.status).toBe(400);
    expect(imported.body.error.code).toBe('CSV_INVALID');
    expect(imported.body.error.details).toEqual([{ line: 3, reason: expect.stringContaining('name') }]);
    expect(await h.db.selectFrom('families').select('id').where('id', 'like', `${p}-%`).execute()).toEqual([]);

    // Points: a reward's name.
    expectRefused(await api(h.baseUrl, 'POST', '/api/rewards', { who: 'co', body: { name: '借阅券\u202D', kind: 'education', price: 5, stock: 1 } }), 'name');
  });
});
