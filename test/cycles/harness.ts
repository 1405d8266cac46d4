/**
 * Everything the cycle's end-to-end test needs, all real: the app (with the cycle routes) over
 * HTTP on port 0, a migrated SQLite database with a seeded directory, a dev mailbox the real SMTP
 * mailer sends to, and one worker on the shared Temporal dev server running the themed-activity
 * and incubation-cycle workflows with their real activities (the cycle lists its activities
 * through real visibility).
 *
 * The config's timings are short, so an activity runs from plan to feedback in seconds.
 */
import '../support/quiet-temporal-logs';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { createApp } from '../../api/app';
import type { Logger } from '../../api/errors';
import { createActivities } from '../../activities';
import { createCycleActivities, visibilityCycleActivityLister } from '../../activities/cycle';
import { loadConfig, type Config } from '../../config';
import { createDatabase } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { SqlActivityStore } from '../../db/store';
import type { Database } from '../../db/types';
import { startDevMailbox, type DevMailbox } from '../../mail/dev-mailbox';
import { SmtpMailer } from '../../mail/smtp-mailer';
import { renderEmail } from '../../mail/templates';
import { createWorker } from '../../worker/create-worker';
import { devServerAddress, workflowBundle } from '../support/temporal';
import { LINK_SECRET, STAFF, TOKENS, type Who } from '../api/harness';

export { api, eventually, linkIn, mailTo, page, submit, STAFF, TOKENS } from '../api/harness';

/** The short timings of this suite's config (REMINDER_OFFSETS etc.), in ms for the test's arithmetic. */
export const TEST_TIMINGS = {
  reminderOffset: 5_000,
  attendanceOpensBefore: 4_000,
  attendanceClosesAfter: 2_000,
  feedbackDeadline: 20_000,
  feedbackReminderBefore: 5_000,
} as const;

export const FAMILIES = [
  { id: 'cf-1', name: '刘家', email: 'liu@cycle.example.test', members: 3 },
  { id: 'cf-2', name: '赵家', email: 'zhao@cycle.example.test', members: 2 },
  { id: 'cf-3', name: '孙家', email: 'sun@cycle.example.test', members: 2 },
] as const;
export const VOLUNTEERS = [
  { id: 'cv-1', name: '周志愿', email: 'zhou@cycle.example.test' },
  { id: 'cv-2', name: '吴志愿', email: 'wu@cycle.example.test' },
] as const;
export const MERCHANTS = [
  { id: 'm-wanda', name: '万达广场', email: 'wanda@cycle.example.test', venueName: '万达广场中庭' },
  { id: 'm-books', name: '西西弗书店', email: 'books@cycle.example.test', venueName: '书店活动区' },
] as const;

export interface CycleHarness {
  baseUrl: string;
  config: Config;
  db: Kysely<Database>;
  mailbox: DevMailbox;
  client: Client;
  close(): Promise<void>;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startCycleHarness(): Promise<CycleHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-cycle-e2e-'));
  const db = createDatabase({ sqlitePath: path.join(dir, 'app.sqlite') });
  await migrateToLatest(db);
  await db.insertInto('compounds').values([{ id: 'c-east', name: '东苑' }, { id: 'c-west', name: '西苑' }]).execute();
  await db
    .insertInto('staff')
    .values(Object.values(STAFF).map((s) => ({ id: s.id, role: s.role, name: s.name, email: s.email, locale: 'zh-CN' as const, compound_id: s.compound })))
    .execute();
  await db
    .insertInto('families')
    .values(FAMILIES.map((f) => ({ ...f, compound_id: 'c-east', locale: 'zh-CN' as const, qr_token: `qr-${f.id}` })))
    .execute();
  await db
    .insertInto('volunteers')
    .values(VOLUNTEERS.map((v) => ({ ...v, compound_id: 'c-east', locale: 'zh-CN' as const, qr_token: `qr-${v.id}` })))
    .execute();
  await db
    .insertInto('merchants')
    .values(MERCHANTS.map((m) => ({ id: m.id, name: m.name, email: m.email, locale: 'zh-CN' as const })))
    .execute();

  const mailbox = await startDevMailbox({ port: 0 });
  const server = http.createServer();
  const baseUrl = await listen(server);
  const address = devServerAddress();
  const config = loadConfig({
    NODE_ENV: 'test',
    PUBLIC_BASE_URL: baseUrl,
    LINK_SECRET,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: `cycle-e2e-${randomUUID()}`,
    DATA_DIR: dir,
    MAIL_FROM: 'noreply@cycle.example.test',
    STAFF_TOKENS: JSON.stringify(
      (Object.keys(TOKENS) as Who[]).map((who) => ({
        token: TOKENS[who],
        role: STAFF[who].role,
        staffId: STAFF[who].id,
        name: STAFF[who].name,
        ...(STAFF[who].compound ? { compound: STAFF[who].compound } : {}),
      })),
    ),
    VENUE_ANSWER_TIMEOUT: '2m',
    APPROVAL_REMINDER_AFTER: '2m',
    APPROVAL_ESCALATE_AFTER: '4m',
    REMINDER_OFFSETS: `${TEST_TIMINGS.reminderOffset}ms`,
    ATTENDANCE_OPENS_BEFORE: `${TEST_TIMINGS.attendanceOpensBefore}ms`,
    ATTENDANCE_CLOSES_AFTER: `${TEST_TIMINGS.attendanceClosesAfter}ms`,
    FEEDBACK_DEADLINE: `${TEST_TIMINGS.feedbackDeadline}ms`,
    FEEDBACK_REMINDER_BEFORE: `${TEST_TIMINGS.feedbackReminderBefore}ms`,
  });
  const mailer = new SmtpMailer({ host: '127.0.0.1', port: mailbox.port, secure: false, from: config.mail.from });
  const store = new SqlActivityStore(db);

  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const workerConnection = await NativeConnection.connect({ address });
  const worker: Worker = await createWorker({
    connection: workerConnection,
    taskQueue: config.temporal.taskQueue,
    workflowBundle: workflowBundle(),
    activities: {
      ...createActivities({
        store,
        mailer,
        render: renderEmail,
        links: { secret: LINK_SECRET, publicBaseUrl: baseUrl, graceMs: config.links.graceMs },
        messageIdDomain: 'cycle.example.test',
      }),
      ...createCycleActivities({
        db,
        store,
        mailer,
        listCycleActivities: visibilityCycleActivityLister(client),
        publicBaseUrl: baseUrl,
        messageIdDomain: 'cycle.example.test',
      }),
    },
  });
  const running = worker.run();

  const quiet: Logger = { info: () => undefined, warn: () => undefined, error: (m, meta) => console.error(m, meta ?? '') };
  server.on(
    'request',
    createApp({ client, config, db, linkSecret: LINK_SECRET, mailer, logger: quiet, linkRateLimit: { capacity: 1000, perMinute: 1000 } }),
  );

  return {
    baseUrl,
    config,
    db,
    mailbox,
    client,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      worker.shutdown();
      await running;
      await workerConnection.close();
      await connection.close();
      await mailer.close();
      await mailbox.close();
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
