/**
 * A cycle of the whole community closes: 5,000 families (issue 13's target), each checked in at 4 of the cycle's 10
 * held activities, with an award per check-in and a redemption per family, seeded in bulk
 * straight into the database. The cycle runs on the shared Temporal dev server with a period that
 * ends seconds after it starts; it must close, save its report, and keep the report out of its
 * history (the whole report, with every ledger entry id, outgrew Temporal's payload limit and the
 * close was retried forever).
 *
 * Every figure checked is worked out here from the rows this test inserted.
 */
import { temporal } from '@temporalio/proto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/types';
import { incubationCycleWorkflowId } from '../../domain/cycle';
import type { ActivitySummary } from '../../domain/activity';
import type { incubationCycleWorkflow } from '../../workflows/incubation-cycle';
import { closedReport } from './closed-report';
import { api, startCycleHarness, type CycleHarness } from './harness';

const SECOND = 1_000;
const HOUR = 3_600_000;
const FAMILY_COUNT = 5_000;
const ACTIVITY_COUNT = 10;
const ACTIVITIES_PER_FAMILY = 4;
const MEMBERS = 3;
const AWARD = 15;
const REDEEMED = 10;
/** Far below the 2 MB a payload may have; the report saved here is well over it. */
const LARGEST_EVENT_BYTES = 100_000;

let h: CycleHarness;

beforeAll(async () => {
  h = await startCycleHarness();
});

afterAll(async () => {
  await h?.close();
});

const run = `${process.pid}-${Date.now().toString(36)}`;
const iso = (ms: number) => new Date(ms).toISOString();

/** Multi-row inserts in chunks: SQLite takes at most 32,766 parameters a statement. */
async function insertChunked(db: Kysely<Database>, table: 'families' | 'activities' | 'check_ins' | 'points_entries', rows: readonly object[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto(table)
      .values(rows.slice(i, i + 500) as never)
      .execute();
  }
}

test('a cycle of 5,000 families closes, saves its report, and keeps every event of its history under 100 kB', async () => {
  const cycleId = `cycle-scale-${run}`;
  const t0 = Date.now();
  const periodStart = iso(t0 - 10 * HOUR);
  const periodEnd = iso(t0 + 3 * SECOND);
  const families = Array.from({ length: FAMILY_COUNT }, (_, i) => `sf-${run}-${i}`);
  const activityIds = Array.from({ length: ACTIVITY_COUNT }, (_, i) => `sa-${run}-${String(i).padStart(2, '0')}`).sort();
  /** Family i attends activities i, i+1, … (mod 10): every activity has 960 families. */
  const attended = (i: number) => Array.from({ length: ACTIVITIES_PER_FAMILY }, (_, k) => activityIds[(i + k) % ACTIVITY_COUNT] as string);

  // ---- the records, in bulk -----------------------------------------------------------------
  const started = await api(h.baseUrl, 'POST', '/api/cycles', {
    who: 'co',
    body: {
      id: cycleId,
      name: `全社区孵化周期 ${run}`,
      periodStart,
      periodEnd,
      compounds: ['c-east'],
      milestones: [],
      timings: { milestoneReminderBeforeMs: 1_000, milestoneEscalateAfterMs: 1_000, activityPollMs: 1_000 },
    },
  });
  expect(started.status).toBe(201);

  const startsAt = iso(t0 - 8 * HOUR);
  const endsAt = iso(t0 - 6 * HOUR);
  await insertChunked(
    h.db,
    'families',
    families.map((id, i) => ({ id, compound_id: 'c-east', name: `第${i}户`, email: `${id}@scale.example.test`, locale: 'zh-CN', members: MEMBERS, qr_token: `qr-${id}` })),
  );
  await insertChunked(
    h.db,
    'activities',
    activityIds.map((id) => ({
      id,
      cycle_id: cycleId,
      compound_id: 'c-east',
      title: `邻里节 ${id}`,
      starts_at: startsAt,
      ends_at: endsAt,
      capacity: FAMILY_COUNT,
      stage: 'completed',
      attendance_state: 'closed',
      attendance_opens_at: startsAt,
      attendance_closes_at: endsAt,
      attendance_closed_at: endsAt,
      tally_json: null,
      updated_at: endsAt,
    })),
  );
  const perActivity = (FAMILY_COUNT * ACTIVITIES_PER_FAMILY) / ACTIVITY_COUNT;
  for (const activityId of activityIds) {
    const summary: ActivitySummary = {
      activityId,
      cycleId,
      compound: 'c-east',
      title: `邻里节 ${activityId}`,
      theme: '邻里节',
      startsAt,
      endsAt,
      outcome: 'completed',
      tally: { participants: perActivity * MEMBERS, families: perActivity, volunteers: 0, volunteerHours: 0 },
      pointsAwarded: perActivity * AWARD,
      venueHours: 2,
      venue: { venueName: '社区活动室', hours: 2, source: 'community' },
      approvalRounds: 1,
      approvalTurnaroundMs: HOUR,
      feedback: null,
      decisions: [],
    };
    await h.db
      .insertInto('activity_summaries')
      .values({ activity_id: activityId, cycle_id: cycleId, compound_id: 'c-east', outcome: 'completed', starts_at: startsAt, summary_json: JSON.stringify(summary), recorded_at: endsAt })
      .execute();
  }
  const checkIns = families.flatMap((familyId, i) =>
    attended(i).map((activityId) => ({
      id: `ci-${activityId}-${i}`,
      activity_id: activityId,
      person_kind: 'family',
      person_id: familyId,
      members: MEMBERS,
      method: 'qr',
      nonce: null,
      checked_in_at: startsAt,
      checked_out_at: null,
    })),
  );
  await insertChunked(h.db, 'check_ins', checkIns);
  const entry = (id: string, familyId: string, kind: 'award' | 'redemption', amount: number, activityId: string | null) => ({
    id,
    holder_kind: 'family',
    holder_id: familyId,
    kind,
    amount,
    activity_id: activityId,
    rule: kind === 'award' ? 'attendance' : null,
    idempotency_key: id,
    reverses_entry_id: null,
    earned_at: endsAt,
    expires_at: null,
    created_at: endsAt,
    note: '',
  });
  await insertChunked(h.db, 'points_entries', [
    ...checkIns.map((c) => entry(`pe-${c.id}`, c.person_id, 'award', AWARD, c.activity_id)),
    ...families.map((familyId, i) => entry(`pr-${run}-${i}`, familyId, 'redemption', -REDEEMED, null)),
  ]);

  // ---- the cycle closes ----------------------------------------------------------------------
  const handle = h.client.workflow.getHandle<typeof incubationCycleWorkflow>(incubationCycleWorkflowId(cycleId));
  const report = await closedReport(h.db, handle);
  expect(report.activities.held).toEqual({ count: ACTIVITY_COUNT, activityIds });
  expect(report.families.distinct.count).toBe(FAMILY_COUNT);
  expect(report.participants.total).toBe(FAMILY_COUNT * ACTIVITIES_PER_FAMILY * MEMBERS);
  expect(report.points.awarded.total).toBe(FAMILY_COUNT * ACTIVITIES_PER_FAMILY * AWARD);
  expect(report.points.awarded.entryIds).toHaveLength(FAMILY_COUNT * ACTIVITIES_PER_FAMILY);
  expect(report.points.redeemed.points).toBe(FAMILY_COUNT * REDEEMED);
  expect(report.families.rows[0]).toMatchObject({ pointsEarned: ACTIVITIES_PER_FAMILY * AWARD, pointsRedeemed: REDEEMED, balance: ACTIVITIES_PER_FAMILY * AWARD - REDEEMED });
  const cycle = await h.db.selectFrom('cycles').select('closed_at').where('id', '=', cycleId).executeTakeFirstOrThrow();
  expect(cycle.closed_at).toBe(report.asOf);

  // ---- the report stayed out of the history ----------------------------------------------------
  const saved = await h.db.selectFrom('cycle_reports').select('report_json').where('cycle_id', '=', cycleId).executeTakeFirstOrThrow();
  const history = await handle.fetchHistory();
  const eventBytes = (history.events ?? []).map((e) => temporal.api.history.v1.HistoryEvent.encode(e).finish().length);
  expect(Math.max(...eventBytes)).toBeLessThan(LARGEST_EVENT_BYTES);
  // The saved report is what would have travelled: over 10× the largest event allowed here.
  expect(Buffer.byteLength(saved.report_json)).toBeGreaterThan(10 * LARGEST_EVENT_BYTES);

  // The API reads the saved report of the closed cycle.
  const read = await api(h.baseUrl, 'GET', `/api/cycles/${cycleId}/report`, { who: 'co' });
  expect(read.status).toBe(200);
  expect(read.body.final).toBe(true);
  expect(read.body.report.families.distinct.count).toBe(FAMILY_COUNT);
}, 240_000);
