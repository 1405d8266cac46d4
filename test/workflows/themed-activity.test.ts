/**
 * The themed-activity workflow on the real time-skipping test server, with the real activities,
 * a real SQLite database and a real SMTP receiver. Weeks of workflow time pass in seconds.
 * Tests run serially: the skipping clock is global to the environment.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Registrations } from '../../db/services/registration';
import { CheckIns, CheckInError } from '../../db/services/checkin';
import {
  answerVenueRequestUpdate,
  assignVenueUpdate,
  cancelUpdate,
  decideApprovalUpdate,
  rescheduleUpdate,
  revisePlanUpdate,
  statusQuery,
  submitFeedbackUpdate,
  RejectionType,
} from '../../workflows/themed-activity';
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

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
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
    const handle = await startActivity(h, input);
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

    const final = await handle.query(statusQuery);
    expect(final.stages.map((s) => s.stage)).toEqual([
      'planning',
      'venueRequest',
      'approval',
      'reminders',
      'attendance',
      'pointsAward',
      'supervisionFeedback',
      'completed',
    ]);
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
    // The approval email really reached the grid worker, with a link to act on.
    const approvalMail = h.mailbox.messages().find((m) => m.to.includes('gw@example.test') && m.subject.includes(input.activityId));
    expect(approvalMail?.text).toMatch(/http:\/\/localhost:3999\/a\/[\w-]+\.[\w-]+/);
  });
});
