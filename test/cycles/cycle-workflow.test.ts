/**
 * The incubation-cycle workflow on the real time-skipping test server, with the real bundled
 * workflow code, the real cycle activities, a real SQLite database and a real SMTP receiver:
 * weeks of cycle time in seconds.
 *
 * The time-skipping server has no workflow listing, so the one activity that lists the cycle's
 * themed activities gets a test double (`FakeCycleActivityLister`); everything else is real.
 *
 * With RECORD_HISTORIES=1, each test's cycle history is written to test/cycles/histories/, which
 * replay.test.ts replays: `RECORD_HISTORIES=1 npx jest test/cycles/cycle-workflow.test.ts`.
 */
import '../support/quiet-temporal-logs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { ApplicationFailure, WorkflowUpdateFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { createCycleActivities, type CycleActivityLister } from '../../activities/cycle';
import { createDatabase } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { CheckIns } from '../../db/services/checkin';
import { SqlActivityStore } from '../../db/store';
import type { Database } from '../../db/types';
import type { Actor } from '../../domain/schemas';
import { startDevMailbox, type DevMailbox, type StoredMail } from '../../mail/dev-mailbox';
import { SmtpMailer } from '../../mail/smtp-mailer';
import { createWorker } from '../../worker/create-worker';
import { activityChangedSignal, cycleProgressQuery, incubationCycleWorkflow, recordMilestoneUpdate } from '../../workflows/incubation-cycle';
import { cancelUpdate, statusQuery, themedActivityWorkflow } from '../../workflows/themed-activity';
import { actors, makeInput } from '../workflows/harness';
import { closedReport } from './closed-report';
import { IncubationCycleInput, incubationCycleWorkflowId, type CycleActivity, type MilestoneRecord } from '../../domain/cycle';
import { RejectionType } from '../../domain/activity';
import type { ActivitySummary } from '../../domain/activity';
import { themedActivityWorkflowId } from '../../domain/activity';
import { COMPOUND, DAY, HOUR, seedDirectory, testActivities } from '../workflows/harness';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal';

/**
 * Test double for the visibility listing (the time-skipping server cannot list workflows): answers
 * what the test set for each cycle and counts the calls.
 */
class FakeCycleActivityLister {
  private readonly byCycle = new Map<string, CycleActivity[]>();
  readonly calls = new Map<string, number>();
  set(cycleId: string, activities: CycleActivity[]): void {
    this.byCycle.set(cycleId, activities);
  }
  readonly list: CycleActivityLister = async (cycleId) => {
    this.calls.set(cycleId, (this.calls.get(cycleId) ?? 0) + 1);
    return (this.byCycle.get(cycleId) ?? []).map((a) => ({ ...a }));
  };
}

const coordinator = { id: 'co-1', name: '张协调', email: 'coord@cycle.example.test', locale: 'zh-CN' as const };
const supervisor = { id: 'su-1', name: 'Dana Chen', email: 'sup@cycle.example.test', locale: 'en' as const };
const byCoordinator: Actor = { id: coordinator.id, name: coordinator.name, role: 'coordinator' };
const bySupervisor: Actor = { id: supervisor.id, name: supervisor.name, role: 'supervisor' };

let env: TestWorkflowEnvironment;
let dir: string;
let db: Kysely<Database>;
let mailbox: DevMailbox;
let mailer: SmtpMailer;
let worker: Worker;
let running: Promise<void>;
const lister = new FakeCycleActivityLister();
const taskQueue = `cycle-wf-test-${process.pid}`;
let counter = 0;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-cycle-wf-'));
  db = createDatabase({ sqlitePath: path.join(dir, 'test.sqlite') });
  await migrateToLatest(db);
  await seedDirectory(db);
  const store = new SqlActivityStore(db);
  mailbox = await startDevMailbox({ port: 0 });
  mailer = new SmtpMailer({ host: '127.0.0.1', port: mailbox.port, secure: false, from: { name: '锦华社区', email: 'noreply@cycle.example.test' } });
  env = await createTimeSkippingEnv();
  worker = await createWorker({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: workflowBundle(),
    activities: {
      ...testActivities(store, mailer),
      ...createCycleActivities({
        db,
        store,
        mailer,
        listCycleActivities: lister.list,
        publicBaseUrl: 'http://localhost:3999',
        messageIdDomain: 'cycle.example.test',
      }),
    },
  });
  running = worker.run();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await env?.teardown();
  await mailer?.close();
  await mailbox?.close();
  await db?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function cycleInput(opts: { periodDays: number; milestones: { id: string; name: string; dueInMs: number }[]; timings?: Partial<IncubationCycleInput['timings']> }) {
  const now = await env.currentTimeMs();
  const cycleId = `cycle-${process.pid}-${++counter}`;
  return IncubationCycleInput.parse({
    cycleId,
    name: `2025年第${counter}期孵化周期`,
    periodStart: new Date(now).toISOString(),
    periodEnd: new Date(now + opts.periodDays * DAY).toISOString(),
    compounds: [COMPOUND],
    coordinator,
    supervisor,
    milestones: opts.milestones.map((m) => ({ id: m.id, name: m.name, dueAt: new Date(now + m.dueInMs).toISOString() })),
    timings: { milestoneReminderBeforeMs: 2 * DAY, milestoneEscalateAfterMs: DAY, activityPollMs: 6 * HOUR, ...opts.timings },
  });
}

const HISTORIES_DIR = path.join(__dirname, 'histories');
const startedInTest: WorkflowHandleWithFirstExecutionRunId<typeof incubationCycleWorkflow>[] = [];

async function start(input: IncubationCycleInput) {
  const handle = await env.client.workflow.start(incubationCycleWorkflow, { workflowId: incubationCycleWorkflowId(input.cycleId), taskQueue, args: [input] });
  startedInTest.push(handle);
  return handle;
}

afterEach(async () => {
  const handles = startedInTest.splice(0);
  if (process.env.RECORD_HISTORIES !== '1') return;
  const slug = (expect.getState().currentTestName ?? 'unnamed').replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  for (const [i, handle] of handles.entries()) {
    // The first run's history (a continued-as-new cycle has more runs; the first shows the most).
    const history = await env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
    const bytes = temporal.api.history.v1.History.encode(history).finish();
    fs.writeFileSync(path.join(HISTORIES_DIR, `${slug}${handles.length > 1 ? `-${i + 1}` : ''}.history.bin`), bytes);
  }
});

async function outbox(cycleId: string) {
  return db
    .selectFrom('email_outbox')
    .select(['purpose', 'recipient_key', 'status', 'created_at', 'key'])
    .where('activity_id', '=', incubationCycleWorkflowId(cycleId))
    .orderBy('created_at')
    .orderBy('key')
    .execute();
}

async function rejectionOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

const mailFor = (cycleName: string, email: string, subject: string) => (m: StoredMail) =>
  m.to.includes(email) && m.subject.includes(subject) && m.subject.includes(cycleName);

test('a milestone recorded before its due time is done and on time, gets no reminder, and the report counts it on time', async () => {
  const input = await cycleInput({ periodDays: 30, milestones: [{ id: 'kickoff', name: '启动培训', dueInMs: 10 * DAY }] });
  const handle = await start(input);

  const recorded = await handle.executeUpdate(recordMilestoneUpdate, { args: [{ milestoneId: 'kickoff', by: byCoordinator, notes: '32 人参加' }] });
  expect(recorded).toMatchObject({ id: 'kickoff', state: 'done', onTime: true, by: byCoordinator, notes: '32 人参加' });

  // A second record is refused before anything is written, naming who recorded it and when.
  const again = await rejectionOf(handle.executeUpdate(recordMilestoneUpdate, { args: [{ milestoneId: 'kickoff', by: bySupervisor, notes: '' }] }));
  expect(again.type).toBe(RejectionType.alreadyDecided);
  expect(again.message).toContain(coordinator.name);
  expect(again.message).toContain(recorded.at!);
  // An unknown milestone, or a malformed record, is invalid input.
  const unknown = await rejectionOf(handle.executeUpdate(recordMilestoneUpdate, { args: [{ milestoneId: 'no-such', by: byCoordinator, notes: '' }] }));
  expect(unknown.type).toBe(RejectionType.invalidInput);
  expect(unknown.message).toContain('no-such');
  const malformed = await rejectionOf(
    handle.executeUpdate(recordMilestoneUpdate, { args: [{ milestoneId: 'kickoff', by: { id: '', name: '', role: 'nobody' } } as unknown as MilestoneRecord] }),
  );
  expect(malformed.type).toBe(RejectionType.invalidInput);

  const progress = await handle.query(cycleProgressQuery);
  expect(progress.milestones).toEqual([expect.objectContaining({ id: 'kickoff', state: 'done', onTime: true })]);
  expect(progress.phase).toBe('running');

  const report = await closedReport(db, handle);
  expect(report.milestones.onTime).toEqual({ count: 1, milestoneIds: ['kickoff'] });
  expect(report.milestones.late.count + report.milestones.missed.count + report.milestones.pending.count).toBe(0);
  expect(report.milestones.rows[0]).toMatchObject({ doneBy: coordinator.name, notes: '32 人参加', status: 'onTime' });

  const sent = await outbox(input.cycleId);
  expect(sent.filter((e) => e.purpose === 'milestoneReminder' || e.purpose === 'milestoneEscalation')).toEqual([]);
  expect(sent.map((e) => [e.purpose, e.recipient_key, e.status])).toEqual([['cycleReportReady', `staff:${coordinator.id}`, 'sent']]);
  const ready = await mailbox.waitFor(mailFor(input.name, coordinator.email, '孵化周期报告已生成'), 10_000);
  expect(ready.text).toContain(`/dashboard/cycles/${input.cycleId}/report`);
  expect(ready.html).toContain('<html lang="zh-CN">');
});

test('an overdue milestone is reminded before its due time, then escalated to the coordinator; recorded afterwards it counts as late', async () => {
  const input = await cycleInput({ periodDays: 10, milestones: [{ id: 'midterm', name: '中期督导', dueInMs: 5 * DAY }] });
  const handle = await start(input);

  // Day 3 + 1 h: inside the reminder window (2 days before the due time).
  await env.sleep(3 * DAY + HOUR);
  const reminderZh = await mailbox.waitFor(mailFor(input.name, coordinator.email, '孵化节点提醒'), 10_000);
  expect(reminderZh.subject).toContain('中期督导');
  const reminderEn = await mailbox.waitFor(mailFor(input.name, supervisor.email, 'Milestone due soon'), 10_000);
  expect(reminderEn.html).toContain('<html lang="en">');
  const reminded = await handle.query(cycleProgressQuery);
  expect(reminded.milestones[0]).toMatchObject({ state: 'pending', remindedAt: expect.any(String) });
  expect(reminded.milestones[0]?.escalatedAt).toBeUndefined();
  expect((await outbox(input.cycleId)).map((e) => e.purpose)).toEqual(['milestoneReminder', 'milestoneReminder']);

  // Day 6 + 2 h: a day past due, so escalated to the coordinator (and only the coordinator).
  await env.sleep(3 * DAY + HOUR);
  const escalation = await mailbox.waitFor(mailFor(input.name, coordinator.email, '孵化节点逾期'), 10_000);
  expect(escalation.text).toContain(supervisor.name);
  const overdue = await handle.query(cycleProgressQuery);
  expect(overdue.milestones[0]).toMatchObject({ state: 'overdue', escalatedAt: expect.any(String) });
  expect(Date.parse(overdue.milestones[0]!.escalatedAt!)).toBeGreaterThan(Date.parse(overdue.milestones[0]!.remindedAt!));
  const sent = await outbox(input.cycleId);
  expect(sent.map((e) => [e.purpose, e.recipient_key])).toEqual([
    ['milestoneReminder', `staff:${coordinator.id}`],
    ['milestoneReminder', `staff:${supervisor.id}`],
    ['milestoneEscalation', `staff:${coordinator.id}`],
  ]);

  const late = await handle.executeUpdate(recordMilestoneUpdate, { args: [{ milestoneId: 'midterm', by: bySupervisor, notes: '延期一周完成' }] });
  expect(late).toMatchObject({ state: 'done', onTime: false, by: bySupervisor });

  const report = await closedReport(db, handle);
  expect(report.milestones.late).toEqual({ count: 1, milestoneIds: ['midterm'] });
  expect(report.milestones.onTime.count).toBe(0);
  expect(report.milestones.rows[0]?.lateByMs).toBeGreaterThan(DAY);
  // Nothing went twice.
  expect((await outbox(input.cycleId)).filter((e) => e.purpose === 'milestoneEscalation')).toHaveLength(1);
});

test('at the period end the cycle waits while one of its activities still runs, then closes with the report it saved', async () => {
  const input = await cycleInput({ periodDays: 2, milestones: [{ id: 'review', name: '活动复盘', dueInMs: DAY }] });
  const activityId = `act-cycle-${process.pid}-${counter}`;
  const running: CycleActivity = {
    activityId,
    workflowId: themedActivityWorkflowId(activityId),
    stage: 'supervisionFeedback',
    compound: COMPOUND,
    executionStatus: 'RUNNING',
  };
  lister.set(input.cycleId, [running]);

  // The activity's records: two families checked in (3 and 2 people, their directory sizes).
  const store = new SqlActivityStore(db);
  const startsAt = new Date(Date.now() - 3 * HOUR).toISOString();
  const endsAt = new Date(Date.now() - HOUR).toISOString();
  await store.upsertActivity({ activityId, cycleId: input.cycleId, compound: COMPOUND, title: '邻里节·亲子运动会', startsAt, endsAt, capacity: 80, stage: 'attendance' });
  await store.openAttendance(activityId, { opensAt: startsAt, closesAt: new Date(Date.now() + HOUR).toISOString() });
  const checkIns = new CheckIns(db);
  await checkIns.checkIn({ activityId, personKind: 'family', personId: 'f-1', method: 'qr' });
  await checkIns.checkIn({ activityId, personKind: 'family', personId: 'f-2', method: 'link' });
  const tally = await store.closeAttendance(activityId);

  const handle = await start(input);
  await env.sleep(2 * DAY + HOUR);
  const waiting = await handle.query(cycleProgressQuery);
  expect(waiting).toMatchObject({ phase: 'waitingForActivities', closed: false, runningActivityIds: [activityId] });
  expect(waiting.activities).toEqual([running]);
  expect(waiting.milestones[0]?.state).toBe('overdue');
  const pollsWhileWaiting = lister.calls.get(input.cycleId) ?? 0;

  // A day later it still waits, and keeps looking.
  await env.sleep(DAY);
  expect(await handle.query(cycleProgressQuery)).toMatchObject({ phase: 'waitingForActivities', closed: false });
  expect(lister.calls.get(input.cycleId)).toBeGreaterThan(pollsWhileWaiting);
  expect(await db.selectFrom('cycle_reports').select('cycle_id').where('cycle_id', '=', input.cycleId).executeTakeFirst()).toBeUndefined();

  // The activity finishes: its summary is recorded, then visibility shows it completed.
  const summary: ActivitySummary = {
    activityId,
    cycleId: input.cycleId,
    compound: COMPOUND,
    title: '邻里节·亲子运动会',
    theme: '邻里节',
    startsAt,
    endsAt,
    outcome: 'completed',
    tally,
    pointsAwarded: 0,
    venueHours: 3,
    venue: { venueName: '社区活动室', hours: 3, source: 'community' },
    approvalRounds: 1,
    approvalTurnaroundMs: 5 * HOUR,
    feedback: { ratings: { organisation: 4, participation: 5, effect: 3 }, comment: '', by: bySupervisor, at: endsAt },
    decisions: [],
  };
  await store.saveActivitySummary(summary);
  lister.set(input.cycleId, [{ ...running, stage: 'completed', executionStatus: 'COMPLETED' }]);

  const report = await closedReport(db, handle);
  expect(report.activities.held).toEqual({ count: 1, activityIds: [activityId] });
  expect(report.participants).toEqual({ total: 5, average: 5, perActivity: [{ activityId, participants: 5 }] });
  expect(report.families.distinct).toMatchObject({ count: 2, familyIds: ['f-1', 'f-2'] });
  expect(report.approvals).toMatchObject({ medianTurnaroundMs: 5 * HOUR, slowest: { activityId, turnaroundMs: 5 * HOUR } });
  expect(report.feedback.averages).toEqual({ organisation: 4, participation: 5, effect: 3 });
  expect(report.milestones.missed).toEqual({ count: 1, milestoneIds: ['review'] });
  // The report was closed after the period's end, once the activity had finished.
  expect(Date.parse(report.asOf)).toBeGreaterThan(Date.parse(input.periodEnd) + DAY);

  // Saved as returned, the cycle marked closed, and the coordinator told.
  const saved = await db.selectFrom('cycle_reports').selectAll().where('cycle_id', '=', input.cycleId).executeTakeFirstOrThrow();
  expect(JSON.parse(saved.report_json)).toEqual(report);
  const cycle = await db.selectFrom('cycles').select('closed_at').where('id', '=', input.cycleId).executeTakeFirstOrThrow();
  expect(cycle.closed_at).toBe(report.asOf);
  await mailbox.waitFor(mailFor(input.name, coordinator.email, '孵化周期报告已生成'), 10_000);
  expect(await handle.query(cycleProgressQuery)).toMatchObject({ phase: 'closed', closed: true });

  // Once closed, a milestone can no longer be recorded.
  const closed = await handle.executeUpdate(recordMilestoneUpdate, { args: [{ milestoneId: 'review', by: byCoordinator, notes: '' }] }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(closed).toBeDefined();
});

test('a long cycle continues as new before its history grows large, keeping milestones, reminders and activities', async () => {
  const input = IncubationCycleInput.parse({
    ...(await cycleInput({
      periodDays: 4,
      milestones: [
        { id: 'kickoff', name: '启动培训', dueInMs: DAY },
        { id: 'sharing', name: '经验分享', dueInMs: 2 * DAY },
      ],
      timings: { milestoneReminderBeforeMs: DAY / 2, milestoneEscalateAfterMs: DAY / 2, activityPollMs: HOUR },
    })),
    maxHistoryEvents: 150,
  });
  const activityId = `act-can-${process.pid}-${counter}`;
  lister.set(input.cycleId, [{ activityId, workflowId: themedActivityWorkflowId(activityId), stage: 'cancelled', executionStatus: 'COMPLETED' }]);
  const handle = await start(input);
  await handle.executeUpdate(recordMilestoneUpdate, { args: [{ milestoneId: 'kickoff', by: byCoordinator, notes: '' }] });
  // The cycle no longer polls during its period: what grows its history is its activities telling it.
  for (let i = 0; i < 200; i++) {
    await handle.signal(activityChangedSignal, { activityId, workflowId: themedActivityWorkflowId(activityId), stage: i % 2 ? 'reminders' : 'approval', compound: COMPOUND, executionStatus: 'RUNNING' });
  }
  await handle.signal(activityChangedSignal, { activityId, workflowId: themedActivityWorkflowId(activityId), stage: 'cancelled', compound: COMPOUND, executionStatus: 'COMPLETED' });

  const report = await closedReport(db, handle);
  const latest = await env.client.workflow.getHandle(handle.workflowId).describe();
  expect(latest.runId).not.toBe(handle.firstExecutionRunId);

  expect(report.milestones.onTime.milestoneIds).toEqual(['kickoff']);
  expect(report.milestones.missed.milestoneIds).toEqual(['sharing']);
  const progress = await handle.query(cycleProgressQuery);
  expect(progress).toMatchObject({ phase: 'closed', activities: [expect.objectContaining({ activityId })] });
  expect(progress.milestones.map((m) => [m.id, m.state])).toEqual([
    ['kickoff', 'done'],
    ['sharing', 'overdue'],
  ]);
  // Across the runs, each email went once.
  expect((await outbox(input.cycleId)).map((e) => [e.purpose, e.recipient_key])).toEqual([
    ['milestoneReminder', `staff:${coordinator.id}`],
    ['milestoneReminder', `staff:${supervisor.id}`],
    ['milestoneEscalation', `staff:${coordinator.id}`],
    ['cycleReportReady', `staff:${coordinator.id}`],
  ]);
});

test('a cycle is told by its activities, not polling: no listing during its period, one at its end, and it closes when told the last one ended', async () => {
  const input = await cycleInput({ periodDays: 30, milestones: [], timings: { activityPollMs: HOUR } });
  const activityId = `act-told-${process.pid}-${counter}`;
  const told: CycleActivity = { activityId, workflowId: themedActivityWorkflowId(activityId), stage: 'reminders', compound: COMPOUND, executionStatus: 'RUNNING' };
  // Visibility lags: it still shows the activity running when the period ends.
  lister.set(input.cycleId, [told]);
  const handle = await start(input);
  await handle.signal(activityChangedSignal, told);
  await env.sleep(20 * DAY);
  const during = await handle.query(cycleProgressQuery);
  expect(during.activities).toEqual([told]);
  expect(during.runningActivityIds).toEqual([activityId]);
  // Twenty days at an hourly poll used to be 480 listings: now none.
  expect(lister.calls.get(input.cycleId) ?? 0).toBe(0);

  await env.sleep(11 * DAY);
  const waiting = await handle.query(cycleProgressQuery);
  expect(waiting).toMatchObject({ phase: 'waitingForActivities', runningActivityIds: [activityId] });
  const listingsAtEnd = lister.calls.get(input.cycleId) ?? 0;
  expect(listingsAtEnd).toBeGreaterThanOrEqual(1);

  // The activity says it ended; the stale listing does not bring it back, and the cycle closes.
  await handle.signal(activityChangedSignal, { ...told, stage: 'completed', executionStatus: 'COMPLETED' });
  const report = await closedReport(db, handle);
  expect(report.cycleId).toBe(input.cycleId);
  const closed = await handle.query(cycleProgressQuery);
  expect(closed).toMatchObject({ phase: 'closed', runningActivityIds: [] });
  expect(closed.activities).toEqual([{ ...told, stage: 'completed', executionStatus: 'COMPLETED' }]);
});

test('a themed activity tells its cycle each stage it enters, and that it ended once its summary is recorded', async () => {
  const input = await cycleInput({ periodDays: 30, milestones: [] });
  const cycleHandle = await start(input);
  const activity = { ...(await makeInput(env)), cycleId: input.cycleId };
  const handle = await env.client.workflow.start(themedActivityWorkflow, { workflowId: themedActivityWorkflowId(activity.activityId), taskQueue, args: [activity] });
  startedInTest.push(handle as never);
  // It asks its merchant: the cycle knows that stage without listing anything.
  const asking = async () => (await cycleHandle.query(cycleProgressQuery)).activities.find((a) => a.activityId === activity.activityId);
  for (let i = 0; i < 100 && (await asking())?.stage !== 'venueRequest'; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await asking()).toMatchObject({ stage: 'venueRequest', executionStatus: 'RUNNING', compound: COMPOUND, startsAt: activity.plan.startsAt });
  await handle.executeUpdate(cancelUpdate, { args: [{ by: actors.coordinator, reason: '场地改造' }] });
  // Polled in real time (awaiting the result would let the time-skipping server jump to the cycle's end).
  for (let i = 0; i < 100 && (await asking())?.executionStatus !== 'COMPLETED'; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await asking()).toMatchObject({ stage: 'cancelled', executionStatus: 'COMPLETED' });
  expect((await handle.query(statusQuery)).stage).toBe('cancelled');
  // Told after the summary was written: the report the cycle will read has it.
  expect(await db.selectFrom('activity_summaries').select('outcome').where('activity_id', '=', activity.activityId).executeTakeFirst()).toEqual({ outcome: 'cancelled' });
  expect((await cycleHandle.query(cycleProgressQuery)).phase).toBe('running');
  expect(lister.calls.get(input.cycleId) ?? 0).toBe(0);
});
