/**
 * The themed-activity workflow on the real time-skipping test server, with the real activities,
 * a real SQLite database and a real SMTP receiver. Weeks of workflow time pass in seconds.
 * Tests run serially: the skipping clock is global to the environment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ApplicationFailure } from '@temporalio/common';
import { fanOutTimeoutMs } from '../../activities';
import { Registrations } from '../../db/services/registration';
import { CheckIns, CheckInError } from '../../db/services/checkin';
import { answerVenueRequestUpdate, assignVenueUpdate, cancelUpdate, decideApprovalUpdate, rescheduleUpdate, revisePlanUpdate, statusQuery, submitFeedbackUpdate } from '../../workflows/themed-activity';
import { RejectionType } from '../../domain/activity';
import { WORKING_STAGES } from '../../domain/vocabulary';
import { Cycles } from '../../db/services/cycles';
import { Surveys } from '../../db/services/surveys';
import { sampleDefinition } from '../support/surveys';
import {
  DAY,
  HOUR,
  actors,
  createHarness,
  families,
  makeInput,
  merchants,
  sentEmails,
  startActivity,
  waitForPending,
  waitForStatus,
  type Harness,
} from './harness';

const HISTORIES_DIR = path.join(__dirname, 'histories');
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});

/**
 * With RECORD_HISTORIES=1, each test's finished workflows are written to test/workflows/histories/,
 * which replay.test.ts replays: `RECORD_HISTORIES=1 npx jest test/workflows/themed-activity.test.ts`.
 */
const startedInTest: Handle[] = [];
async function start(input: Parameters<typeof startActivity>[1], taskQueue?: string): Promise<Handle> {
  const handle = await startActivity(h, input, taskQueue);
  startedInTest.push(handle);
  return handle;
}

afterEach(async () => {
  const handles = startedInTest.splice(0);
  if (process.env.RECORD_HISTORIES !== '1') return;
  const name = expect.getState().currentTestName ?? 'unnamed';
  const slug = name.replace(/^themedActivityWorkflow\s*/, '').replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
  for (const [i, handle] of handles.entries()) {
    const history = await handle.fetchHistory();
    fs.mkdirSync(HISTORIES_DIR, { recursive: true });
    // Binary protobuf: the SDK's JSON helper trips over its two copies of protobufjs.
    const bytes = temporal.api.history.v1.History.encode(history).finish();
    fs.writeFileSync(path.join(HISTORIES_DIR, `${slug}${handles.length > 1 ? `-${i + 1}` : ''}.history.bin`), bytes);
  }
});

afterAll(async () => {
  await h?.close();
});

/** The failure type an update was rejected with. */
async function rejectionOf(promise: Promise<unknown>): Promise<{ type: string | undefined; message: string }> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    return { type: (cause as ApplicationFailure).type ?? undefined, message: (cause as ApplicationFailure).message };
  }
  throw new Error('expected the update to be rejected');
}

type Handle = Awaited<ReturnType<typeof startActivity>>;

async function acceptVenue(handle: Handle, merchantIndex = 0) {
  const status = await waitForPending(handle, 'answerVenueRequest');
  expect(status.pending?.actorId).toBe(merchants[merchantIndex]!.id);
  return handle.executeUpdate(answerVenueRequestUpdate, {
    args: [{ attempt: status.counts.merchantsAsked, merchantId: merchants[merchantIndex]!.id, answer: 'accept', note: '' }],
  });
}

async function approve(handle: Handle) {
  const status = await waitForPending(handle, 'decideApproval', 'approval');
  return handle.executeUpdate(decideApprovalUpdate, {
    args: [{ round: status.approvalRound, decision: 'approve', comment: '', by: actors.gridWorker }],
  });
}

describe('themedActivityWorkflow', () => {
  test('a themed activity runs through all seven stages and returns its summary', async () => {
    const input = await makeInput(h.env);
    const handle = await start(input);
    const registrations = new Registrations(h.db, { now: h.clock });
    const checkIns = new CheckIns(h.db, { now: h.clock });

    const accepted = await acceptVenue(handle);
    expect(accepted.outcome).toBe('accept');
    await approve(handle);
    await waitForStatus(handle, (s) => s.stage === 'reminders', 'reminders');

    // Families and a volunteer register while reminders are pending.
    expect(await registrations.register(input.activityId, 'f-1', 3)).toBe('registered');
    expect(await registrations.register(input.activityId, 'f-2', 2)).toBe('registered');
    await registrations.signUpVolunteer(input.activityId, 'v-1');

    // Skip to just after check-in opens: every reminder goes out on the way.
    const opensAt = Date.parse(input.plan.startsAt) - 30 * 60_000;
    await h.env.sleep(opensAt - (await h.env.currentTimeMs()) + 60_000);
    await waitForStatus(handle, (s) => s.stage === 'attendance', 'attendance');
    await h.syncClock();
    await checkIns.checkIn({ activityId: input.activityId, personKind: 'family', personId: 'f-1', members: 3, method: 'qr' });
    await checkIns.checkIn({ activityId: input.activityId, personKind: 'family', personId: 'f-2', members: 2, method: 'link' });
    await checkIns.checkIn({ activityId: input.activityId, personKind: 'volunteer', personId: 'v-1', method: 'staff' });

    // The volunteer leaves at the end: 3.5 hours of service (from 29 minutes before the start).
    await h.env.sleep(Date.parse(input.plan.endsAt) - (await h.env.currentTimeMs()));
    await h.syncClock();
    await checkIns.checkOut(input.activityId, 'v-1');

    // Past the window's close: points are awarded and the supervisor is asked for feedback.
    const closesAt = Date.parse(input.plan.endsAt) + 30 * 60_000;
    await h.env.sleep(closesAt - (await h.env.currentTimeMs()) + 60_000);
    const feedbackStatus = await waitForPending(handle, 'submitFeedback', 'supervisionFeedback');
    expect(feedbackStatus.counts).toMatchObject({ participants: 6, families: 2, volunteers: 1, pointsAwarded: expect.any(Number) });
    await handle.executeUpdate(submitFeedbackUpdate, {
      args: [{ ratings: { organisation: 5, participation: 4, effect: 5 }, comment: '组织有序', by: actors.supervisor }],
    });

    const summary = await handle.result();
    expect(summary.outcome).toBe('completed');
    expect(summary.tally).toEqual({ participants: 6, families: 2, volunteers: 1, volunteerHours: 3.5 });
    // 10 points to each of two families, 5 a volunteer hour (3.5 h → 17, rounded down).
    expect(summary.pointsAwarded).toBe(20 + 17);
    expect(summary.venueHours).toBe(4);
    expect(summary.venue).toMatchObject({ merchantId: 'm-wanda', source: 'merchant' });
    expect(summary.feedback).toMatchObject({ ratings: { organisation: 5, participation: 4, effect: 5 }, comment: '组织有序' });
    // The summary is kept for the incubation cycle's report.
    const saved = (await h.store.listActivitySummaries(input.cycleId)).find((x) => x.activityId === input.activityId);
    expect(saved).toEqual(summary);

    const final = await handle.query(statusQuery);
    // The happy path goes through every working stage, in the vocabulary's order, and ends completed.
    expect(final.stages.map((s) => s.stage)).toEqual([...WORKING_STAGES, 'completed']);
    expect(final.stages.every((s, i, all) => i === all.length - 1 || s.endedAt !== undefined)).toBe(true);

    const emails = await sentEmails(h, input.activityId);
    const purposes = emails.map((e) => e.purpose);
    expect(purposes).toEqual(
      expect.arrayContaining(['venueRequest', 'approvalRequest', 'planDecided', 'registrationOpen', 'reminder', 'pointsAwarded', 'feedbackRequest']),
    );
    // Three reminders (3 days, 1 day, 2 hours), each to both families, the volunteer, the grid worker and the merchant.
    const reminders = emails.filter((e) => e.purpose === 'reminder');
    expect(reminders).toHaveLength(3 * 5);
    expect(new Set(reminders.map((r) => r.key)).size).toBe(reminders.length);
    // Registration opened to every family of the compound.
    expect(emails.filter((e) => e.purpose === 'registrationOpen')).toHaveLength(families.length);
    // That send was sized first: planFanOut, then notify with the timeout for the compound's families
    // (fanOutTimeoutMs at the harness's two connections), not a fixed two minutes.
    const { events } = await handle.fetchHistory();
    const scheduled = (events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
    const openAt = scheduled.findIndex(
      (a) => a.activityType?.name === 'notify' && JSON.parse(Buffer.from(a.input!.payloads![0]!.data!).toString('utf8')).purpose === 'registrationOpen',
    );
    expect(scheduled[openAt - 1]?.activityType?.name).toBe('planFanOut');
    expect(Number(scheduled[openAt]?.startToCloseTimeout?.seconds)).toBe(fanOutTimeoutMs(families.length, 2) / 1000);
    expect(fanOutTimeoutMs(families.length, 2)).not.toBe(120_000);
    // A thousand families at two connections get the time a slow relay needs (a 5 s budget a message).
    expect(fanOutTimeoutMs(1_000, 2)).toBe(5 * 100 * 5_000 + 60_000);
    // The approval email really reached the grid worker, with a link to act on.
    const approvalMail = h.mailbox.messages().find((m) => m.to.includes('gw@example.test') && m.subject.includes(input.activityId));
    expect(approvalMail?.text).toMatch(/http:\/\/localhost:3999\/a\/[\w-]+\.[\w-]+/);
  });

  test('changes requested send the plan back to planning; the revised plan is approved in round 2', async () => {
    const input = await makeInput(h.env, { venue: { kind: 'community', venueName: '社区活动中心', hours: 3 } });
    const handle = await start(input);
    const first = await waitForPending(handle, 'decideApproval', 'approval');
    expect(first.approvalRound).toBe(1);
    // No venue request for a community venue.
    expect(first.stages.map((s) => s.stage)).toEqual(['planning', 'approval']);

    const changes = await handle.executeUpdate(decideApprovalUpdate, {
      args: [{ round: 1, decision: 'requestChanges', comment: '请增加安全员', by: actors.gridWorker }],
    });
    expect(changes.outcome).toBe('requestChanges');
    const planning = await waitForPending(handle, 'revisePlan', 'planning');
    expect(planning.pending?.role).toBe('propertyManager');

    // The round-1 decision is closed now: a late approve of round 1 is refused, and changes nothing.
    const late = await rejectionOf(
      handle.executeUpdate(decideApprovalUpdate, { args: [{ round: 1, decision: 'approve', comment: '', by: actors.gridWorker }] }),
    );
    expect(late.type).toBe(RejectionType.alreadyDecided);
    expect(late.message).toContain('requestChanges');

    await handle.executeUpdate(revisePlanUpdate, {
      args: [{ plan: { ...input.plan, description: '增加两名安全员', volunteersNeeded: 4 }, by: actors.propertyManager }],
    });
    const second = await waitForStatus(handle, (s) => s.stage === 'approval' && s.approvalRound === 2, 'round 2');
    expect(second.planVersion).toBe(2);
    expect(second.plan.volunteersNeeded).toBe(4);
    await approve(handle);
    await waitForStatus(handle, (s) => s.stage === 'reminders', 'reminders');

    const emails = await sentEmails(h, input.activityId);
    expect(emails.filter((e) => e.purpose === 'approvalRequest')).toHaveLength(2);
    expect(emails.filter((e) => e.purpose === 'planDecided')).toHaveLength(2);
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', by: actors.propertyManager }] });
    expect((await handle.result()).outcome).toBe('cancelled');
  });

  test('a revision sent the moment changes are requested is not lost', async () => {
    const input = await makeInput(h.env, { venue: { kind: 'community', venueName: '社区活动中心', hours: 3 } });
    const handle = await start(input);
    await waitForPending(handle, 'decideApproval', 'approval');
    await handle.executeUpdate(decideApprovalUpdate, {
      args: [{ round: 1, decision: 'requestChanges', comment: '时间改到下午', by: actors.gridWorker }],
    });
    // No waiting for the stage to move back to planning: the revision may land first.
    await handle.executeUpdate(revisePlanUpdate, { args: [{ plan: { ...input.plan, description: '下午场' }, by: actors.propertyManager }] });
    const second = await waitForStatus(handle, (s) => s.stage === 'approval' && s.approvalRound === 2, 'round 2');
    expect(second.plan.description).toBe('下午场');
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', by: actors.coordinator }] });
    await handle.result();
  });

  test('a rejected plan ends the workflow as rejected, and the rejection needs a reason', async () => {
    const input = await makeInput(h.env, { venue: { kind: 'community', venueName: '社区活动中心', hours: 3 } });
    const handle = await start(input);
    await waitForPending(handle, 'decideApproval', 'approval');

    const noReason = await rejectionOf(
      handle.executeUpdate(decideApprovalUpdate, { args: [{ round: 1, decision: 'reject', comment: '', by: actors.gridWorker }] }),
    );
    expect(noReason.type).toBe(RejectionType.invalidInput);
    expect(noReason.message).toContain('comment');
    // Someone who is not this compound's grid worker cannot decide.
    const stranger = await rejectionOf(
      handle.executeUpdate(decideApprovalUpdate, {
        args: [{ round: 1, decision: 'approve', comment: '', by: { id: 'gw-other', name: '外人', role: 'gridWorker' } }],
      }),
    );
    expect(stranger.type).toBe(RejectionType.notAllowed);
    expect((await handle.query(statusQuery)).decisions.filter((d) => d.kind === 'approval')).toHaveLength(0);

    await handle.executeUpdate(decideApprovalUpdate, {
      args: [{ round: 1, decision: 'reject', comment: '与社区安排冲突', by: actors.gridWorker }],
    });
    const summary = await handle.result();
    expect(summary.outcome).toBe('rejected');
    expect(summary.pointsAwarded).toBe(0);
    const final = await handle.query(statusQuery);
    expect(final.stage).toBe('rejected');
    expect(final.decisions.find((d) => d.kind === 'approval')).toMatchObject({ outcome: 'reject', comment: '与社区安排冲突' });
  });

  test('the venue comes from the second merchant when the first does not answer by the deadline', async () => {
    const input = await makeInput(h.env);
    const handle = await start(input);
    const asked = await waitForPending(handle, 'answerVenueRequest');
    expect(asked.pending?.actorId).toBe('m-wanda');

    await h.env.sleep(48 * HOUR + 60_000);
    const second = await waitForStatus(handle, (s) => s.pending?.actorId === 'm-books', 'second merchant asked');
    expect(second.counts.merchantsAsked).toBe(2);
    expect(second.decisions.find((d) => d.kind === 'merchantNoAnswer')).toMatchObject({ round: 1, by: { id: 'm-wanda' } });

    // The first merchant's answer now comes too late and changes nothing.
    const late = await rejectionOf(
      handle.executeUpdate(answerVenueRequestUpdate, { args: [{ attempt: 1, merchantId: 'm-wanda', answer: 'accept', note: '' }] }),
    );
    expect(late.type).toBe(RejectionType.stepClosed);

    await handle.executeUpdate(answerVenueRequestUpdate, { args: [{ attempt: 2, merchantId: 'm-books', answer: 'accept', note: '可以' }] });
    const approval = await waitForPending(handle, 'decideApproval', 'approval');
    expect(approval.venue).toMatchObject({ merchantId: 'm-books', venueName: '书店活动区', source: 'merchant' });

    // A second identical answer gets "already recorded" and changes nothing.
    const again = await rejectionOf(
      handle.executeUpdate(answerVenueRequestUpdate, { args: [{ attempt: 2, merchantId: 'm-books', answer: 'accept', note: '可以' }] }),
    );
    expect(again.type).toBe(RejectionType.alreadyDecided);
    expect((await handle.query(statusQuery)).decisions.filter((d) => d.kind === 'merchantAnswer')).toHaveLength(1);
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', by: actors.coordinator }] });
    await handle.result();
  });

  test('when every merchant declines, the coordinator is told and assigns a venue', async () => {
    const input = await makeInput(h.env);
    const handle = await start(input);
    for (const [i, m] of merchants.entries()) {
      await waitForStatus(handle, (s) => s.pending?.actorId === m.id, `merchant ${m.id} asked`);
      await handle.executeUpdate(answerVenueRequestUpdate, { args: [{ attempt: i + 1, merchantId: m.id, answer: 'decline', note: '档期已满' }] });
    }
    const waiting = await waitForPending(handle, 'assignVenueOrRevisePlan', 'venueRequest');
    expect(waiting.pending?.role).toBe('coordinator');
    const told = await sentEmails(h, input.activityId);
    expect(told.filter((e) => e.purpose === 'venueUnavailable').map((e) => e.recipient).sort()).toEqual(['staff:co-1', 'staff:pm-1']);

    // Only the coordinator may assign.
    const byPm = await rejectionOf(
      handle.executeUpdate(assignVenueUpdate, { args: [{ venueName: '社区广场', hours: 4, by: actors.propertyManager }] }),
    );
    expect(byPm.type).toBe(RejectionType.notAllowed);

    const assigned = await handle.executeUpdate(assignVenueUpdate, { args: [{ venueName: '社区广场', hours: 4, by: actors.coordinator }] });
    expect(assigned).toMatchObject({ venueName: '社区广场', source: 'coordinator' });
    const approval = await waitForPending(handle, 'decideApproval', 'approval');
    expect(approval.venue?.venueName).toBe('社区广场');
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', by: actors.coordinator }] });
    await handle.result();
  });

  test('an unanswered approval brings a reminder, then an escalation, and the coordinator decides instead', async () => {
    const input = await makeInput(h.env, { venue: { kind: 'community', venueName: '社区活动中心', hours: 3 } });
    const handle = await start(input);
    await waitForPending(handle, 'decideApproval', 'approval');

    await h.env.sleep(24 * HOUR + 60_000);
    await waitForStatus(handle, (s) => s.counts.emailsSent >= 2 && s.pending?.dueAt !== undefined, 'reminder sent');
    let emails = await sentEmails(h, input.activityId);
    expect(emails.filter((e) => e.purpose === 'approvalReminder').map((e) => e.recipient)).toEqual(['staff:gw-1']);
    expect(emails.some((e) => e.purpose === 'approvalEscalation')).toBe(false);

    await h.env.sleep(48 * HOUR);
    const escalated = await waitForStatus(handle, (s) => s.approvalEscalated, 'escalated');
    expect(escalated.pending).toMatchObject({ role: 'coordinator', action: 'decideApproval' });
    emails = await sentEmails(h, input.activityId);
    expect(emails.filter((e) => e.purpose === 'approvalEscalation').map((e) => e.recipient)).toEqual(['staff:co-1']);
    const escalationMail = await h.mailbox.waitFor((m) => m.to.includes('coord@example.test') && m.subject.includes(input.activityId), 10_000);
    expect(escalationMail.text).toContain('/a/');

    const decision = await handle.executeUpdate(decideApprovalUpdate, {
      args: [{ round: 1, decision: 'approve', comment: '网格员休假，由协调人审批', by: actors.coordinator }],
    });
    expect(decision.by?.role).toBe('coordinator');
    await waitForStatus(handle, (s) => s.stage === 'reminders', 'reminders');
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', by: actors.coordinator }] });
    const summary = await handle.result();
    expect(summary.approvalTurnaroundMs).toBeGreaterThanOrEqual(72 * HOUR);
  });

  test('a reschedule sends a change notice at once and moves every unsent reminder, with no reminder sent twice', async () => {
    const input = await makeInput(h.env, { venue: { kind: 'community', venueName: '社区活动中心', hours: 3 } });
    const handle = await start(input);
    await approve(handle);
    await waitForStatus(handle, (s) => s.stage === 'reminders', 'reminders');
    await new Registrations(h.db, { now: h.clock }).register(input.activityId, 'f-3', 4);

    // Let the 3-day reminder go out for the original start.
    const start1 = Date.parse(input.plan.startsAt);
    await h.env.sleep(start1 - 3 * DAY - (await h.env.currentTimeMs()) + 60_000);
    await waitForStatus(handle, (s) => s.counts.remindersSent === 1, 'first reminder');

    // Move the activity a week later.
    const start2 = start1 + 7 * DAY;
    await handle.executeUpdate(rescheduleUpdate, {
      args: [{ startsAt: new Date(start2).toISOString(), endsAt: new Date(start2 + 3 * HOUR).toISOString(), reason: '天气原因', by: actors.propertyManager }],
    });
    let emails = await sentEmails(h, input.activityId);
    // The change notice went at once to everyone already told: the grid worker and the registered family.
    expect(emails.filter((e) => e.purpose === 'changeNotice').map((e) => e.recipient).sort()).toEqual(['family:f-3', 'staff:gw-1']);
    const notice = await h.mailbox.waitFor((m) => m.to.includes('sun@example.test') && m.subject.includes(input.activityId) && /变更|change/i.test(m.subject), 10_000);
    expect(notice).toBeDefined();

    // Where the old 1-day reminder would have gone: nothing is sent for the old start.
    await h.env.sleep(start1 - DAY - (await h.env.currentTimeMs()) + 60_000);
    let status = await handle.query(statusQuery);
    expect(status.counts.remindersSent).toBe(1);

    // Every reminder for the new start goes out once, on time.
    await h.env.sleep(start2 - 30 * 60_000 - (await h.env.currentTimeMs()) - 60_000);
    status = await waitForStatus(handle, (s) => s.counts.remindersSent === 4, 'reminders for the new start');
    expect(status.stage).toBe('reminders');
    emails = await sentEmails(h, input.activityId);
    const reminderKeys = emails.filter((e) => e.purpose === 'reminder' && e.recipient === 'family:f-3').map((e) => e.key);
    expect(reminderKeys).toHaveLength(4);
    expect(new Set(reminderKeys).size).toBe(4);
    expect(reminderKeys.filter((k) => k.includes(new Date(start2).toISOString()))).toHaveLength(3);
    expect(reminderKeys.filter((k) => k.includes(new Date(start1).toISOString()))).toHaveLength(1);

    // Too late to reschedule once check-in would be open.
    const tooLate = await rejectionOf(
      handle.executeUpdate(rescheduleUpdate, {
        args: [{ startsAt: new Date(start2 - 10 * 60_000).toISOString(), endsAt: new Date(start2 + HOUR).toISOString(), reason: '再改', by: actors.propertyManager }],
      }),
    );
    expect(tooLate.type).toBe(RejectionType.notAllowed);
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', by: actors.coordinator }] });
    await handle.result();
  });

  test('a reminder whose time passed is skipped, not sent late', async () => {
    // Starts in 2 days: the 3-day reminder is already past when approval lands.
    const input = await makeInput(h.env, { venue: { kind: 'community', venueName: '社区活动中心', hours: 3 } }, { startsInMs: 2 * DAY });
    const handle = await start(input);
    await approve(handle);
    await h.env.sleep(Date.parse(input.plan.startsAt) - 30 * 60_000 - (await h.env.currentTimeMs()) - 60_000);
    const status = await waitForStatus(handle, (s) => s.counts.remindersSent === 2, 'two reminders');
    expect(status.stage).toBe('reminders');
    const keys = (await sentEmails(h, input.activityId)).filter((e) => e.purpose === 'reminder').map((e) => e.key);
    expect(keys.some((k) => k.includes(`/${3 * DAY}@`))).toBe(false);
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', by: actors.coordinator }] });
    await handle.result();
  });

  describe('cancel before check-in opens', () => {
    const cases: { stage: string; reach: (handle: Handle) => Promise<void>; notified: string[]; released?: string[] }[] = [
      {
        stage: 'planning',
        reach: async (handle) => {
          await waitForPending(handle, 'decideApproval', 'approval');
          await handle.executeUpdate(decideApprovalUpdate, { args: [{ round: 1, decision: 'requestChanges', comment: '补充预算', by: actors.gridWorker }] });
          await waitForPending(handle, 'revisePlan', 'planning');
        },
        notified: ['staff:gw-1', 'staff:pm-1'],
      },
      {
        stage: 'venueRequest',
        reach: async (handle) => void (await waitForPending(handle, 'answerVenueRequest', 'venueRequest')),
        notified: ['merchant:m-wanda', 'staff:pm-1'],
      },
      {
        stage: 'approval',
        reach: async (handle) => {
          await acceptVenue(handle);
          await waitForPending(handle, 'decideApproval', 'approval');
        },
        notified: ['merchant:m-wanda', 'staff:gw-1', 'staff:pm-1'],
      },
      {
        stage: 'reminders',
        reach: async (handle) => {
          await acceptVenue(handle);
          await approve(handle);
          await waitForStatus(handle, (s) => s.stage === 'reminders', 'reminders');
        },
        // The registered family hears from its release, once, not from the notice too.
        notified: ['merchant:m-wanda', 'staff:gw-1', 'staff:pm-1'],
        released: ['family:f-1'],
      },
    ];

    test.each(cases)('a cancel in $stage ends the activity as cancelled and tells everyone already told', async ({ stage, reach, notified, released = [] }) => {
      const input = await makeInput(h.env, stage === 'planning' ? { venue: { kind: 'community', venueName: '社区活动中心', hours: 3 } } : {});
      const handle = await start(input);
      await reach(handle);
      if (stage === 'reminders') await new Registrations(h.db, { now: h.clock }).register(input.activityId, 'f-1', 3);
      expect((await handle.query(statusQuery)).stage).toBe(stage);

      await handle.executeUpdate(cancelUpdate, { args: [{ reason: '场地维修', by: actors.propertyManager }] });
      const summary = await handle.result();
      expect(summary.outcome).toBe('cancelled');
      const status = await handle.query(statusQuery);
      expect(status.stage).toBe('cancelled');
      expect(status.cancelled).toMatchObject({ reason: '场地维修', by: { id: 'pm-1' } });
      const cancellations = (await sentEmails(h, input.activityId)).filter((e) => e.purpose === 'cancellation');
      expect(cancellations.map((e) => e.recipient).sort()).toEqual(notified);
      const releases = (await sentEmails(h, input.activityId)).filter((e) => e.purpose === 'registrationReleased');
      expect(releases.map((e) => e.recipient).sort()).toEqual(released);
    });
  });

  test('check-in is refused outside the attendance window, and cancelling during attendance is refused', async () => {
    const input = await makeInput(h.env, { venue: { kind: 'community', venueName: '社区活动中心', hours: 3 } }, { startsInMs: 5 * DAY });
    const handle = await start(input);
    const checkIns = new CheckIns(h.db, { now: h.clock });
    await approve(handle);
    await waitForStatus(handle, (s) => s.stage === 'reminders', 'reminders');

    await expect(checkIns.checkIn({ activityId: input.activityId, personKind: 'family', personId: 'f-1', method: 'qr' })).rejects.toMatchObject({
      code: 'ATTENDANCE_NOT_OPEN',
    });

    await h.env.sleep(Date.parse(input.plan.startsAt) - (await h.env.currentTimeMs()));
    await waitForStatus(handle, (s) => s.stage === 'attendance', 'attendance');
    await h.syncClock();
    const first = await checkIns.checkIn({ activityId: input.activityId, personKind: 'family', personId: 'f-1', method: 'qr' });
    expect(first.status).toBe('checkedIn');
    const second = await checkIns.checkIn({ activityId: input.activityId, personKind: 'family', personId: 'f-1', method: 'link' });
    expect(second).toMatchObject({ status: 'alreadyCheckedIn', at: first.at });

    const cancel = await rejectionOf(handle.executeUpdate(cancelUpdate, { args: [{ reason: '太晚了', by: actors.propertyManager }] }));
    expect(cancel.type).toBe(RejectionType.stepClosed);

    await h.env.sleep(Date.parse(input.plan.endsAt) + 31 * 60_000 - (await h.env.currentTimeMs()));
    await waitForStatus(handle, (s) => s.stage === 'supervisionFeedback', 'feedback stage');
    const late = checkIns.checkIn({ activityId: input.activityId, personKind: 'family', personId: 'f-2', method: 'qr' });
    await expect(late).rejects.toBeInstanceOf(CheckInError);
    await expect(late).rejects.toMatchObject({ code: 'ATTENDANCE_NOT_OPEN' });
    const status = await handle.query(statusQuery);
    expect(status.counts).toMatchObject({ families: 1, participants: 3 });
  });

  test('points are awarded exactly once when the award activity fails after writing and is retried', async () => {
    let awardCalls = 0;
    const flaky = await h.startWorker((real) => ({
      ...real,
      async awardPoints(req) {
        awardCalls++;
        const result = await real.awardPoints(req);
        // The ledger is written, then the process "dies" before Temporal hears back.
        if (awardCalls === 1) throw new Error('simulated crash between writing and acknowledging');
        return result;
      },
    }));
    try {
      const input = await makeInput(h.env, { venue: { kind: 'community', venueName: '社区活动中心', hours: 3 } }, { startsInMs: 4 * DAY });
      const handle = await start(input, flaky.taskQueue);
      await approve(handle);
      await waitForStatus(handle, (s) => s.stage === 'reminders', 'reminders');
      await h.env.sleep(Date.parse(input.plan.startsAt) - (await h.env.currentTimeMs()));
      await waitForStatus(handle, (s) => s.stage === 'attendance', 'attendance');
      await h.syncClock();
      const checkIns = new CheckIns(h.db, { now: h.clock });
      await checkIns.checkIn({ activityId: input.activityId, personKind: 'family', personId: 'f-1', method: 'qr' });
      await checkIns.checkIn({ activityId: input.activityId, personKind: 'family', personId: 'f-3', method: 'qr' });

      await h.env.sleep(Date.parse(input.plan.endsAt) + 31 * 60_000 - (await h.env.currentTimeMs()));
      const status = await waitForStatus(handle, (s) => s.stage === 'supervisionFeedback', 'feedback stage');
      expect(awardCalls).toBe(2);
      expect(status.counts.pointsAwarded).toBe(20);

      const entries = await h.db.selectFrom('points_entries').selectAll().where('activity_id', '=', input.activityId).execute();
      expect(entries.map((e) => [e.holder_id, e.amount]).sort()).toEqual([
        ['f-1', 10],
        ['f-3', 10],
      ]);
      const pointsEmails = (await sentEmails(h, input.activityId)).filter((e) => e.purpose === 'pointsAwarded');
      expect(pointsEmails.map((e) => e.recipient).sort()).toEqual(['family:f-1', 'family:f-3']);
      await h.env.sleep(8 * DAY);
      await handle.result();
    } finally {
      await flaky.stop();
    }
  });

  test('feedback is marked missing at the deadline, after one reminder to the supervisor', async () => {
    const input = await makeInput(h.env, { venue: { kind: 'community', venueName: '社区活动中心', hours: 3 } }, { startsInMs: 4 * DAY });
    const handle = await start(input);
    await approve(handle);
    await waitForStatus(handle, (s) => s.stage === 'reminders', 'reminders');
    const summary = await handle.result(); // time skips through the activity and the 7-day feedback window
    expect(summary.outcome).toBe('completed');
    expect(summary.feedback).toBe('missing');
    const status = await handle.query(statusQuery);
    expect(status.decisions.at(-1)).toMatchObject({ kind: 'feedbackMissing' });
    const emails = await sentEmails(h, input.activityId);
    expect(emails.filter((e) => e.purpose === 'feedbackRequest').map((e) => e.recipient)).toEqual(['staff:su-1']);
    expect(emails.filter((e) => e.purpose === 'feedbackReminder').map((e) => e.recipient)).toEqual(['staff:su-1']);
    // Feedback after the deadline finds the workflow closed and records nothing.
    await expect(
      handle.executeUpdate(submitFeedbackUpdate, {
        args: [{ ratings: { organisation: 3, participation: 3, effect: 3 }, comment: '', by: actors.supervisor }],
      }),
    ).rejects.toThrow();
    expect((await handle.query(statusQuery)).feedback).toBeUndefined();
  });

  test('the feedback stage opens the participant survey: a round for the activity, from ids and times only', async () => {
    const surveys = new Surveys(h.db);
    const q = await surveys.createQuestionnaire({ definition: sampleDefinition(), by: 'co-1' });
    const base = await makeInput(h.env, { venue: { kind: 'community', venueName: '社区活动中心', hours: 3 } }, { startsInMs: 4 * DAY });
    const cycleId = `cycle-survey-${base.activityId}`;
    await new Cycles(h.db).ensure({
      cycleId,
      name: '问卷周期',
      periodStart: new Date((await h.env.currentTimeMs()) - DAY).toISOString(),
      periodEnd: new Date((await h.env.currentTimeMs()) + 100 * DAY).toISOString(),
      compounds: [base.plan.compound],
      coordinator: { id: 'co-1' },
      supervisor: { id: 'su-1' },
      milestones: [],
    });
    await surveys.setCycleQuestionnaires(cycleId, { surveyQuestionnaireId: q.questionnaireId }, { endLeadMs: 14 * DAY, cycleRoundOpenMs: 14 * DAY, cycleRemindAfterMs: 7 * DAY });
    const input = { ...base, cycleId };
    const handle = await start(input);
    await approve(handle);
    await waitForStatus(handle, (s) => s.stage === 'reminders', 'reminders');
    await h.env.sleep(Date.parse(input.plan.endsAt) + 30 * 60_000 - (await h.env.currentTimeMs()) + 60_000);
    const feedbackStatus = await waitForPending(handle, 'submitFeedback', 'supervisionFeedback');
    const feedbackBy = feedbackStatus.pending!.dueAt!;
    let round: Awaited<ReturnType<Surveys['round']>>;
    for (let i = 0; i < 100 && !round; i++) {
      round = await surveys.round(`sr:activity:${input.activityId}`);
      if (!round) await new Promise((r) => setTimeout(r, 100));
    }
    expect(round).toMatchObject({
      kind: 'activity',
      activityId: input.activityId,
      cycleId,
      questionnaireVersionId: q.versionId,
      closesAt: feedbackBy,
      remindAt: new Date(Date.parse(feedbackBy) - input.timings.feedbackReminderBeforeMs).toISOString(),
      openedAt: null,
    });
    await handle.executeUpdate(submitFeedbackUpdate, { args: [{ ratings: { organisation: 4, participation: 4, effect: 4 }, comment: '', by: actors.supervisor }] });
    expect((await handle.result()).outcome).toBe('completed');

    // The step got ids and times, nothing else (no names, addresses or answers), and was called once.
    const { events } = await handle.fetchHistory();
    const calls = (events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name === 'openParticipantSurvey' ? [e.activityTaskScheduledEventAttributes] : []));
    expect(calls).toHaveLength(1);
    const args = JSON.parse(Buffer.from(calls[0]!.input!.payloads![0]!.data!).toString('utf8')) as Record<string, unknown>;
    expect(args).toEqual({ activityId: input.activityId, remindAt: round!.remindAt, closesAt: feedbackBy });
    const completed = (events ?? []).find((e) => e.activityTaskCompletedEventAttributes && e.activityTaskCompletedEventAttributes.scheduledEventId?.toString() === (events ?? []).find((x) => x.activityTaskScheduledEventAttributes === calls[0])?.eventId?.toString());
    expect(JSON.parse(Buffer.from(completed!.activityTaskCompletedEventAttributes!.result!.payloads![0]!.data!).toString('utf8'))).toEqual({ roundId: `sr:activity:${input.activityId}` });
  });

  test('a plan that fails the schema, a second identical decision and a stale decision are refused and change nothing', async () => {
    const input = await makeInput(h.env, { venue: { kind: 'community', venueName: '社区活动中心', hours: 3 } });
    const handle = await start(input);
    await waitForPending(handle, 'decideApproval', 'approval');
    const before = await handle.query(statusQuery);

    const badPlan = await rejectionOf(
      handle.executeUpdate(revisePlanUpdate, {
        args: [{ plan: { ...input.plan, capacity: -5, endsAt: input.plan.startsAt }, by: actors.propertyManager }],
      }),
    );
    expect(badPlan.type).toBe(RejectionType.invalidInput);
    expect(badPlan.message).toContain('plan.capacity');
    expect(badPlan.message).toContain('plan.endsAt');

    await approve(handle);
    const again = await rejectionOf(
      handle.executeUpdate(decideApprovalUpdate, { args: [{ round: 1, decision: 'approve', comment: '', by: actors.gridWorker }] }),
    );
    expect(again.type).toBe(RejectionType.alreadyDecided);
    expect(again.message).toMatch(/approve by 李网格 at \d{4}-/);
    const stale = await rejectionOf(
      handle.executeUpdate(revisePlanUpdate, { args: [{ plan: { ...input.plan, title: '改名' }, by: actors.propertyManager }] }),
    );
    expect(stale.type).toBe(RejectionType.stepClosed);

    const after = await handle.query(statusQuery);
    expect(after.planVersion).toBe(before.planVersion);
    expect(after.plan.title).toBe(input.plan.title);
    expect(after.decisions.filter((d) => d.kind === 'approval')).toHaveLength(1);
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', by: actors.coordinator }] });
    await handle.result();
  });
});
