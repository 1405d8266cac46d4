/**
 * The growth points' daily expiry run on the real time-skipping test server, with the real
 * workflow bundle, the real activities, a SQLite database, the real SMTP mailer and a real SMTP
 * receiver: started the way the API process starts it, it tells a family a month ahead and then
 * expires its points, with nobody calling POST /api/points/expire.
 */
import '../support/quiet-temporal-logs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { loadConfig } from '../../config';
import { createActivities } from '../../activities';
import { createPointsExpiryActivities, expiryNoticeKey } from '../../activities/points-expiry';
import { ensurePointsExpiryWorkflow } from '../../api/points/expiry-schedule';
import { createDatabase } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { Directory } from '../../db/services/directory';
import { Ledger } from '../../db/services/ledger';
import { SqlActivityStore } from '../../db/store';
import type { Database } from '../../db/types';
import { startDevMailbox, type DevMailbox, type StoredMail } from '../../mail/dev-mailbox';
import { messageIdFor } from '../../mail/message-id';
import { renderPointsExpiring } from '../../mail/points-templates';
import { SmtpMailer } from '../../mail/smtp-mailer';
import { renderEmail } from '../../mail/templates';
import { createWorker } from '../../worker/create-worker';
import { POINTS_EXPIRY_WORKFLOW_ID } from '../../workflows/points-expiry.api';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal';

const DAY = 86_400_000;
const OFFSET_MS = 8 * 3_600_000;
const MAIL_DOMAIN = 'points.example.test';

/** The first Beijing new year (when a year's points expire) at least `minAheadMs` after `nowMs`. */
function newYearAfter(nowMs: number, minAheadMs: number): { at: number; year: number } {
  let year = new Date(nowMs + OFFSET_MS).getUTCFullYear() + 1;
  while (Date.UTC(year, 0, 1) - OFFSET_MS - nowMs < minAheadMs) year += 1;
  return { at: Date.UTC(year, 0, 1) - OFFSET_MS, year };
}

async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('points expiry run (time-skipping)', () => {
  let dir: string;
  let db: Kysely<Database>;
  let env: TestWorkflowEnvironment;
  let mailbox: DevMailbox;
  let mailer: SmtpMailer;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `points-expiry-${process.pid}-${Date.now()}`;
  const completedRuns: string[] = [];
  const config = loadConfig({ POINTS_EXPIRY_NOTICE_BEFORE: '30d', TEMPORAL_TASK_QUEUE: taskQueue });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-expiry-'));
    db = createDatabase({ sqlitePath: path.join(dir, 'app.sqlite') });
    await migrateToLatest(db);
    mailbox = await startDevMailbox({ port: 0 });
    mailer = new SmtpMailer({ host: '127.0.0.1', port: mailbox.port, secure: false, from: { name: '锦华社区', email: `noreply@${MAIL_DOMAIN}` } });
    env = await createTimeSkippingEnv();
    const store = new SqlActivityStore(db, { ledgerPolicy: config.points.policy });
    const expiryActivities = createPointsExpiryActivities({
      db,
      store,
      mailer,
      messageIdDomain: MAIL_DOMAIN,
      policy: config.points.policy,
      noticeBeforeMs: config.points.expiryNoticeBeforeMs,
    });
    worker = await createWorker({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: {
        ...createActivities({
          store,
          mailer,
          render: renderEmail,
          links: { secret: 'expiry-test-link-secret-0123456789abcdefghij', publicBaseUrl: 'http://localhost:3999', graceMs: DAY },
          messageIdDomain: MAIL_DOMAIN,
        }),
        ...expiryActivities,
        // The same activity, recording each daily run as it finishes (the last step of a run).
        async sendExpiryNotices(req) {
          const outcome = await expiryActivities.sendExpiryNotices(req);
          completedRuns.push(req.asOf);
          return outcome;
        },
      },
    });
    running = worker.run();
  });

  afterAll(async () => {
    await env?.client.workflow.getHandle(POINTS_EXPIRY_WORKFLOW_ID).terminate('test over').catch(() => undefined);
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await env?.teardown();
    await mailer?.close();
    await mailbox?.close();
    await db?.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('tells the family a month ahead, once, then expires its points at the new year by itself, once', async () => {
    // Move the server's clock to 35 days before a new year (nothing runs yet, so nothing fires).
    const start = await env.currentTimeMs();
    const newYear = newYearAfter(start, 40 * DAY);
    await env.sleep(newYear.at - 35 * DAY - start);

    // Points earned two years before expire at this new year (POINTS_EXPIRE_AFTER_YEARS=1); last year's a year later.
    const directory = new Directory(db);
    await directory.createCompound({ id: 'c-exp', name: '锦绣花园' });
    await directory.createFamily({ id: 'f-old', compoundId: 'c-exp', name: '刘家', email: 'liu@points.example.test', locale: 'zh-CN' });
    await directory.createFamily({ id: 'f-new', compoundId: 'c-exp', name: 'The Lins', email: 'lin@points.example.test', locale: 'en' });
    const ledger = new Ledger(db, { policy: config.points.policy });
    const old = await ledger.award({ holder: { kind: 'family', id: 'f-old' }, amount: 50, idempotencyKey: 'seed-old', rule: 'attendance', earnedAt: `${newYear.year - 2}-06-15T02:00:00.000Z` });
    const recent = await ledger.award({ holder: { kind: 'family', id: 'f-new' }, amount: 30, idempotencyKey: 'seed-new', rule: 'attendance', earnedAt: `${newYear.year - 1}-06-15T02:00:00.000Z` });
    expect(old.expiresAt).toBe(new Date(newYear.at).toISOString());
    expect(recent.expiresAt).toBe(new Date(Date.UTC(newYear.year + 1, 0, 1) - OFFSET_MS).toISOString());

    // Started as every API process starts it; a second start finds the same run.
    const first = await ensurePointsExpiryWorkflow(env.client, config);
    const second = await ensurePointsExpiryWorkflow(env.client, config);
    expect(second.runId).toBe(first.runId);

    const notices = () => db.selectFrom('email_outbox').selectAll().where('purpose', '=', 'pointsExpiring').execute();
    const expiries = (familyId: string) => db.selectFrom('points_entries').selectAll().where('holder_id', '=', familyId).where('kind', '=', 'expiry').execute();

    // Six days on, the run 30 days before the new year tells 刘家 (and only 刘家).
    await env.sleep(6 * DAY);
    const [notice] = await eventually(async () => {
      const rows = await notices();
      return rows.some((r) => r.status === 'sent') ? rows : undefined;
    }, 'the expiry notice');
    const key = expiryNoticeKey('f-old', new Date(newYear.at).toISOString());
    expect(notice).toMatchObject({ key, recipient_key: 'family:f-old', status: 'sent', message_id: messageIdFor(key, MAIL_DOMAIN) });
    const mail = await mailbox.waitFor((m) => m.to.includes('liu@points.example.test'), 10_000);
    expect(mail.messageId).toBe(messageIdFor(key, MAIL_DOMAIN));
    const rendered = renderPointsExpiring({ recipientName: '刘家', expiresAt: new Date(newYear.at).toISOString(), points: 50, balance: 50 }, 'zh-CN');
    expect(mail.subject).toBe(rendered.subject);
    expect(mail.subject).toMatch(/^【积分到期提醒】您有 50 成长积分将于(\d{4}年)?12月31日（周.）后过期$/);
    expect(mail.text).toContain('刘家，您好');
    expect(await expiries('f-old')).toEqual([]);

    // Past the new year: the points expired by themselves, once, though the run woke every day since.
    await env.sleep(31 * DAY);
    const [expiry] = await eventually(async () => {
      const rows = await expiries('f-old');
      return rows.length > 0 ? rows : undefined;
    }, 'the expiry entry');
    expect(expiry).toMatchObject({ amount: -50, expires_at: new Date(newYear.at).toISOString(), idempotency_key: `expiry:family:f-old:${new Date(newYear.at).toISOString()}` });
    await env.sleep(2 * DAY);
    // Two more daily runs later (recorded as they finish): still one expiry entry, one notice, one email to 刘家.
    await eventually(async () => (completedRuns.some((asOf) => Date.parse(asOf) > newYear.at + 3 * DAY) ? true : undefined), 'the runs after the new year');
    expect(completedRuns.filter((asOf) => Date.parse(asOf) > newYear.at).length).toBeGreaterThanOrEqual(4);
    expect(await expiries('f-old')).toHaveLength(1);
    expect(await ledger.balance({ kind: 'family', id: 'f-old' })).toBe(0);
    expect((await notices()).map((n) => n.key)).toEqual([key]);
    expect(mailbox.messages().filter((m: StoredMail) => m.to.includes('liu@points.example.test'))).toHaveLength(1);
    // The Lins' points expire a year later: no notice, nothing expired, and the run keeps going.
    expect(await expiries('f-new')).toEqual([]);
    expect(mailbox.messages().filter((m: StoredMail) => m.to.includes('lin@points.example.test'))).toHaveLength(0);
    const description = await env.client.workflow.getHandle(POINTS_EXPIRY_WORKFLOW_ID).describe();
    expect(description.status.name).toBe('RUNNING');
    // The first run continued as new after its 31 daily runs: a whole history, kept for the replay test
    // (RECORD_HISTORIES=1 npx jest test/workflows/points-expiry.test.ts).
    const firstRun = env.client.workflow.getHandle(POINTS_EXPIRY_WORKFLOW_ID, first.runId);
    expect((await firstRun.describe()).status.name).toBe('CONTINUED_AS_NEW');
    if (process.env.RECORD_HISTORIES === '1') {
      const bytes = temporal.api.history.v1.History.encode(await firstRun.fetchHistory()).finish();
      fs.writeFileSync(path.join(__dirname, 'histories', 'points-expiry-31-daily-runs-then-continue-as-new.history.bin'), bytes);
    }
  });
});
