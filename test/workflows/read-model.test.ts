/**
 * The read model follows the workflow (issue 13, item 4): on the real time-skipping server with
 * the real activities and a real SQLite database, one activity goes through every stage, and at
 * each wait its row holds what the status query answers — the stage, who is waited on for what by
 * when, the counts — so pages and the digest can read the row instead of asking the workflow. A
 * link's email finds its step already open in the row.
 */
import { Registrations } from '../../db/services/registration';
import { CheckIns } from '../../db/services/checkin';
import { answerVenueRequestUpdate, decideApprovalUpdate, statusQuery, submitFeedbackUpdate } from '../../workflows/themed-activity';
import type { ActivityStatus } from '../../domain/activity';
import { actors, createHarness, makeInput, merchants, people, startActivity, waitForPending, waitForStatus, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

type Handle = Awaited<ReturnType<typeof startActivity>>;

async function rowOf(activityId: string) {
  return h.db
    .selectFrom('activities')
    .select(['stage', 'status_json', 'status_seq', 'pending_role', 'pending_actor_id', 'pending_action', 'pending_due_at', 'stage_since'])
    .where('id', '=', activityId)
    .executeTakeFirstOrThrow();
}

/**
 * Waits (real time) until the row's status is the status query's answer, then checks the columns
 * the lists sort and filter on against it. The workflow is waiting, so both stay put.
 */
async function rowMatchesQuery(handle: Handle, activityId: string): Promise<ActivityStatus> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const queried = await handle.query(statusQuery);
    const row = await rowOf(activityId);
    const stored = row.status_json ? (JSON.parse(row.status_json) as ActivityStatus) : undefined;
    if (stored && JSON.stringify(stored) === JSON.stringify(queried)) {
      expect(row.stage).toBe(queried.stage);
      expect(row.pending_action).toBe(queried.pending?.action ?? null);
      expect(row.pending_role).toBe(queried.pending?.role ?? null);
      expect(row.pending_actor_id).toBe(queried.pending?.actorId ?? null);
      expect(row.pending_due_at).toBe(queried.pending?.dueAt ? new Date(queried.pending.dueAt).toISOString() : null);
      expect(row.stage_since).toBe(queried.stages[queried.stages.length - 1]!.startedAt);
      return stored;
    }
    if (Date.now() > deadline) {
      expect(stored).toEqual(queried);
      throw new Error('the row never caught up with the status query');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('at every wait, from the venue request to completed, the row holds what the status query answers', async () => {
  const input = await makeInput(h.env);
  const handle = await startActivity(h, input);
  const seqs: number[] = [];
  const seq = async () => seqs.push(Number((await rowOf(input.activityId)).status_seq));

  // The merchant's email goes out only after the row says the merchant is asked.
  const mailToMerchant = await waitForMail(merchants[0]!.email, input.activityId);
  expect(mailToMerchant).toBeDefined();
  const asked = await rowOf(input.activityId);
  expect(asked).toMatchObject({ stage: 'venueRequest', pending_action: 'answerVenueRequest', pending_role: 'merchant', pending_actor_id: merchants[0]!.id });
  let stored = await rowMatchesQuery(handle, input.activityId);
  expect(stored.counts.merchantsAsked).toBe(1);
  await seq();

  await handle.executeUpdate(answerVenueRequestUpdate, { args: [{ attempt: 1, merchantId: merchants[0]!.id, answer: 'accept', note: '' }] });
  await waitForPending(handle, 'decideApproval', 'approval');
  // Likewise the grid worker's: the approval round is open in the row before the email exists.
  await waitForMail(people.gridWorker.email, input.activityId);
  stored = await rowMatchesQuery(handle, input.activityId);
  expect(stored).toMatchObject({ stage: 'approval', approvalRound: 1, pending: { role: 'gridWorker', actorId: people.gridWorker.id, action: 'decideApproval' } });
  expect(stored.pending?.dueAt).toBeDefined();
  await seq();

  await handle.executeUpdate(decideApprovalUpdate, { args: [{ round: 1, decision: 'approve', comment: '', by: actors.gridWorker }] });
  await waitForStatus(handle, (s) => s.stage === 'reminders', 'reminders');
  stored = await rowMatchesQuery(handle, input.activityId);
  expect(stored.pending).toMatchObject({ role: 'families', action: 'register' });
  // Every email so far counted in the row: venue request, approval request, the decision, registration open to the compound.
  expect(stored.counts.emailsSent).toBeGreaterThanOrEqual(4);
  await seq();

  const registrations = new Registrations(h.db, { now: h.clock });
  expect(await registrations.register(input.activityId, 'f-1', 3)).toBe('registered');
  const opensAt = Date.parse(input.plan.startsAt) - 30 * 60_000;
  await h.env.sleep(opensAt - (await h.env.currentTimeMs()) + 60_000);
  await waitForStatus(handle, (s) => s.stage === 'attendance', 'attendance');
  stored = await rowMatchesQuery(handle, input.activityId);
  expect(stored.pending).toMatchObject({ role: 'families', action: 'checkIn' });
  expect(stored.counts.remindersSent).toBeGreaterThan(0);
  await seq();

  await h.syncClock();
  await new CheckIns(h.db, { now: h.clock }).checkIn({ activityId: input.activityId, personKind: 'family', personId: 'f-1', members: 3, method: 'qr' });
  const closesAt = Date.parse(input.plan.endsAt) + 30 * 60_000;
  await h.env.sleep(closesAt - (await h.env.currentTimeMs()) + 60_000);
  await waitForPending(handle, 'submitFeedback', 'supervisionFeedback');
  stored = await rowMatchesQuery(handle, input.activityId);
  expect(stored.pending).toMatchObject({ role: 'supervisor', actorId: people.supervisor.id, action: 'submitFeedback' });
  // The tally and the points are in the row's counts once taken.
  expect(stored.counts).toMatchObject({ participants: 3, families: 1, volunteers: 0, pointsAwarded: 10 });
  await seq();

  await handle.executeUpdate(submitFeedbackUpdate, { args: [{ ratings: { organisation: 5, participation: 5, effect: 4 }, comment: '', by: actors.supervisor }] });
  const summary = await handle.result();
  expect(summary.outcome).toBe('completed');
  const final = await rowOf(input.activityId);
  expect(final).toMatchObject({ stage: 'completed', pending_action: null, pending_role: null, pending_actor_id: null, pending_due_at: null });
  const last = JSON.parse(final.status_json!) as ActivityStatus;
  expect(last.stage).toBe('completed');
  expect(last.feedback).toMatchObject({ ratings: { organisation: 5, participation: 5, effect: 4 } });
  expect(last.counts).toMatchObject({ participants: 3, families: 1, pointsAwarded: summary.pointsAwarded });
  // The writes are numbered in the order the workflow made them.
  seqs.push(Number(final.status_seq));
  expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  expect(new Set(seqs).size).toBe(seqs.length);
});

async function waitForMail(to: string, activityId: string): Promise<unknown> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = h.mailbox.messages().find((m) => m.to.includes(to) && m.subject.includes(activityId));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no email to ${to}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a community-venue activity reaches its approval wait with one write for the stage and one for the sent request', async () => {
  const input = await makeInput(h.env, { venue: { kind: 'community', venueName: '社区活动中心', hours: 3 } });
  const handle = await startActivity(h, input);
  // The request's link must find its round open in the row the moment the email exists.
  await waitForMail(people.gridWorker.email, input.activityId);
  const atMail = await rowOf(input.activityId);
  expect(atMail).toMatchObject({ stage: 'approval', pending_action: 'decideApproval', pending_role: 'gridWorker', pending_actor_id: people.gridWorker.id });
  const stored = await rowMatchesQuery(handle, input.activityId);
  expect(stored).toMatchObject({ stage: 'approval', approvalRound: 1, counts: { emailsSent: 1 } });
  expect(stored.stages.map((s) => s.stage)).toEqual(['planning', 'approval']);
  // one-write-per-stage: no planning write of its own, and the ask goes in the stage's write
  // (before it there were four: planning, approval, the ask, the count after the email).
  expect(Number((await rowOf(input.activityId)).status_seq)).toBe(2);
  // The first task's commands hold both the row write, done in that task (row-writes-local: a
  // local activity's marker, no activity task), and the cycle's signal.
  const events = (await handle.fetchHistory()).events!;
  const afterFirstTask = events.slice(events.findIndex((e) => e.workflowTaskCompletedEventAttributes) + 1);
  const firstCommands = afterFirstTask.slice(0, afterFirstTask.findIndex((e) => e.workflowTaskScheduledEventAttributes || e.activityTaskScheduledEventAttributes || e.signalExternalWorkflowExecutionFailedEventAttributes || e.externalWorkflowExecutionSignaledEventAttributes));
  expect(firstCommands.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toBe(true);
  expect(firstCommands.some((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes)).toBe(true);
  // The only activity task before the wait is the request's email.
  expect(events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType?.name)).toEqual(['notify']);
  await handle.executeUpdate(decideApprovalUpdate, { args: [{ round: 1, decision: 'approve', comment: '', by: actors.gridWorker }] });
  await waitForStatus(handle, (s) => s.stage === 'reminders', 'reminders');
  expect((await rowMatchesQuery(handle, input.activityId)).stage).toBe('reminders');
});
