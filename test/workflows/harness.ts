/**
 * Everything a themed-activity workflow test needs, all real: the time-skipping Temporal test
 * server, the bundled workflow code, a worker with the real activities, a SQLite database (a
 * temp file, migrated), and a real SMTP receiver that the real SMTP mailer sends to.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { createActivities, type ThemedActivityActivities } from '../../activities';
import { createDatabase } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { SqlActivityStore } from '../../db/store';
import type { Database } from '../../db/types';
import { startDevMailbox, type DevMailbox } from '../../mail/dev-mailbox';
import { SmtpMailer } from '../../mail/smtp-mailer';
import { renderEmail } from '../../mail/templates';
import { createWorker } from '../../worker/create-worker';
import { statusQuery, themedActivityWorkflow } from '../../workflows/themed-activity';
import { themedActivityWorkflowId, type ActivityStatus } from '../../domain/activity';
import { type Stage } from '../../domain/vocabulary';
import type { Actor, PlanInput, ThemedActivityInput, Timings } from '../../domain/schemas';
import { Plan } from '../../domain/schemas';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal';
import { insertPeople } from '../db/fixtures';

export const LINK_SECRET = 'test-link-secret-0123456789abcdefghijklmnopqrstuvwxyz';
export const COMPOUND = 'jinxiu-garden';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const DEFAULT_TIMINGS: Timings = {
  merchantAnswerMs: 48 * HOUR,
  approvalReminderMs: 24 * HOUR,
  approvalEscalationMs: 72 * HOUR,
  reminderOffsetsMs: [3 * DAY, DAY, 2 * HOUR],
  attendanceOpensBeforeMs: 30 * 60_000,
  attendanceClosesAfterMs: 30 * 60_000,
  feedbackDeadlineMs: 7 * DAY,
  feedbackReminderBeforeMs: DAY,
  maxApprovalRounds: 3,
};

export const people = {
  propertyManager: { id: 'pm-1', name: '王管家', email: 'pm@example.test', locale: 'zh-CN' as const },
  gridWorker: { id: 'gw-1', name: '李网格', email: 'gw@example.test', locale: 'zh-CN' as const },
  coordinator: { id: 'co-1', name: '张协调', email: 'coord@example.test', locale: 'zh-CN' as const },
  supervisor: { id: 'su-1', name: '陈督导', email: 'sup@example.test', locale: 'en' as const },
};

export const actors = {
  propertyManager: { id: 'pm-1', name: '王管家', role: 'propertyManager' },
  gridWorker: { id: 'gw-1', name: '李网格', role: 'gridWorker' },
  coordinator: { id: 'co-1', name: '张协调', role: 'coordinator' },
  supervisor: { id: 'su-1', name: '陈督导', role: 'supervisor' },
} satisfies Record<string, Actor>;

export const merchants = [
  { id: 'm-wanda', name: '万达广场', email: 'wanda@example.test', locale: 'zh-CN' as const, venueName: '万达广场中庭' },
  { id: 'm-books', name: '西西弗书店', email: 'books@example.test', locale: 'zh-CN' as const, venueName: '书店活动区' },
];

export const families = [
  { id: 'f-1', name: '刘家', email: 'liu@example.test', members: 3 },
  { id: 'f-2', name: '赵家', email: 'zhao@example.test', members: 2 },
  { id: 'f-3', name: '孙家', email: 'sun@example.test', members: 4 },
];
export const volunteers = [{ id: 'v-1', name: '周志愿', email: 'zhou@example.test' }];

export interface Harness {
  env: TestWorkflowEnvironment;
  db: Kysely<Database>;
  store: SqlActivityStore;
  mailbox: DevMailbox;
  taskQueue: string;
  /**
   * The database's clock, kept at the test server's time: check-ins and the attendance tally
   * must see the same (skipped) time as the workflow. Call `syncClock` after moving time.
   */
  clock: () => Date;
  syncClock(): Promise<void>;
  /** Starts (another) worker on its own task queue, e.g. with activities that fail on purpose. */
  startWorker(wrap?: (a: ThemedActivityActivities) => ThemedActivityActivities): Promise<{ taskQueue: string; stop(): Promise<void> }>;
  close(): Promise<void>;
}

let queueCounter = 0;

/** The real activities, wired to a test store and mailer. */
export function testActivities(store: SqlActivityStore, mailer: SmtpMailer): ThemedActivityActivities {
  return createActivities({
    store,
    mailer,
    render: renderEmail,
    links: { secret: LINK_SECRET, publicBaseUrl: 'http://localhost:3999', graceMs: DAY },
    messageIdDomain: 'example.test',
  });
}

export async function createHarness(): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-wf-'));
  const db = createDatabase({ sqlitePath: path.join(dir, 'test.sqlite') });
  await migrateToLatest(db);
  await seedDirectory(db);
  let serverNow: number | undefined;
  const clock = () => new Date(serverNow ?? Date.now());
  const store = new SqlActivityStore(db, { now: clock });
  const mailbox = await startDevMailbox({ port: 0 });
  const mailer = new SmtpMailer({ host: '127.0.0.1', port: mailbox.port, secure: false, from: { name: '锦华社区', email: 'noreply@example.test' } });
  const env = await createTimeSkippingEnv();
  const bundle = workflowBundle();
  const workers: { stop(): Promise<void> }[] = [];

  async function startWorker(wrap?: (a: ThemedActivityActivities) => ThemedActivityActivities) {
    const taskQueue = `wf-test-${process.pid}-${++queueCounter}`;
    const real = testActivities(store, mailer);
    const worker: Worker = await createWorker({
      connection: env.nativeConnection,
      taskQueue,
      activities: wrap ? wrap(real) : real,
      workflowBundle: bundle,
    });
    const running = worker.run();
    const handle = {
      taskQueue,
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      },
    };
    workers.push(handle);
    return handle;
  }

  const main = await startWorker();
  return {
    env,
    db,
    store,
    mailbox,
    taskQueue: main.taskQueue,
    clock,
    async syncClock() {
      serverNow = await env.currentTimeMs();
    },
    startWorker,
    async close() {
      for (const w of workers) await w.stop();
      await env.teardown();
      await mailer.close();
      await mailbox.close();
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function seedDirectory(db: Kysely<Database>): Promise<void> {
  await db.insertInto('compounds').values({ id: COMPOUND, name: '锦绣花园' }).execute();
  await insertPeople(db, {
    families: families.map((f) => ({ ...f, compound_id: COMPOUND })),
    volunteers: volunteers.map((v) => ({ ...v, compound_id: COMPOUND })),
  });
}

let activityCounter = 0;

/** A plan starting `startsInMs` from the server's now, with a merchant venue unless told otherwise. */
export async function makeInput(
  env: Pick<TestWorkflowEnvironment, 'currentTimeMs'>,
  overrides: Partial<PlanInput> = {},
  opts: { startsInMs?: number; timings?: Partial<Timings> } = {},
): Promise<ThemedActivityInput> {
  const activityId = `act-${process.pid}-${++activityCounter}`;
  const startsAt = Math.floor(((await env.currentTimeMs()) + (opts.startsInMs ?? 10 * DAY)) / 60_000) * 60_000;
  const plan = Plan.parse({
    title: `邻里节·亲子运动会 ${activityId}`,
    theme: '邻里节',
    compound: COMPOUND,
    description: '亲子接力、跳绳和拔河',
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(startsAt + 3 * HOUR).toISOString(),
    capacity: 100,
    venue: { kind: 'merchant', hours: 4, candidateMerchants: merchants },
    volunteersNeeded: 2,
    pointsRules: { attendance: 10, perVolunteerHour: 5 },
    budget: 3000,
    ...overrides,
  });
  return {
    activityId,
    cycleId: 'cycle-2025-1',
    plan,
    people,
    timings: { ...DEFAULT_TIMINGS, ...opts.timings },
  };
}

export async function startActivity(h: Harness, input: ThemedActivityInput, taskQueue = h.taskQueue) {
  return h.env.client.workflow.start(themedActivityWorkflow, {
    workflowId: themedActivityWorkflowId(input.activityId),
    taskQueue,
    args: [input],
  });
}

/** Polls the status query (real time) until `done` holds. */
export async function waitForStatus(
  handle: WorkflowHandle<typeof themedActivityWorkflow>,
  done: (s: ActivityStatus) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<ActivityStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: ActivityStatus | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(statusQuery);
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last status: stage=${last?.stage} pending=${JSON.stringify(last?.pending)}`);
}

export function waitForPending(handle: WorkflowHandle<typeof themedActivityWorkflow>, action: string, stage?: Stage) {
  return waitForStatus(handle, (s) => s.pending?.action === action && (!stage || s.stage === stage), `pending ${action}`);
}

/** Emails recorded as sent for an activity, from the outbox: [purpose, recipientKey, key]. */
export async function sentEmails(h: Harness, activityId: string) {
  const rows = await h.db
    .selectFrom('email_outbox')
    .select(['purpose', 'recipient_key', 'key', 'status'])
    .where('activity_id', '=', activityId)
    .orderBy('created_at')
    .execute();
  return rows.filter((r) => r.status === 'sent').map((r) => ({ purpose: r.purpose, recipient: r.recipient_key, key: r.key }));
}
