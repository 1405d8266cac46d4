/**
 * The expiry run's activities on their own (no Temporal), against a real SQLite database, the
 * real SMTP mailer and a real SMTP receiver, in the SDK's activity context: a notice goes once per family and expiry date, an
 * address refused for good is counted and does not stop the others, a deactivated family is not
 * written to, and the expiry itself repeats as nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Kysely } from 'kysely';
import { createPointsExpiryActivities } from '../../activities/points-expiry';
import { createDatabase } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { Ledger } from '../../db/services/ledger';
import { SqlActivityStore } from '../../db/store';
import type { Database } from '../../db/types';
import { defaultLedgerPolicy } from '../../domain/points';
import { startDevMailbox, type DevMailbox } from '../../mail/dev-mailbox';
import { SmtpMailer } from '../../mail/smtp-mailer';

const DAY = 86_400_000;
let dir: string;
let db: Kysely<Database>;
let mailbox: DevMailbox;
let mailer: SmtpMailer;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-expiry-act-'));
  db = createDatabase({ sqlitePath: path.join(dir, 'app.sqlite') });
  await migrateToLatest(db);
  mailbox = await startDevMailbox({ port: 0 });
  mailer = new SmtpMailer({ host: '127.0.0.1', port: mailbox.port, secure: false, from: { name: '锦华社区', email: 'noreply@expiry.example.test' } });
  await db.insertInto('compounds').values({ id: 'c1', name: '锦绣花园' }).execute();
  await db
    .insertInto('families')
    .values([
      { id: 'f-ok', compound_id: 'c1', name: '刘家', email: 'liu@expiry.example.test', locale: 'zh-CN', members: 3, qr_token: 'q1' },
      // Typed in by hand long ago: the mailer refuses it for good.
      { id: 'f-bad', compound_id: 'c1', name: '赵家', email: 'not an address', locale: 'zh-CN', members: 2, qr_token: 'q2' },
      { id: 'f-gone', compound_id: 'c1', name: '孙家', email: 'sun@expiry.example.test', locale: 'zh-CN', members: 2, qr_token: 'q3', deactivated_at: '2026-01-01T00:00:00.000Z' },
    ])
    .execute();
  const ledger = new Ledger(db);
  for (const id of ['f-ok', 'f-bad', 'f-gone']) {
    await ledger.award({ holder: { kind: 'family', id }, amount: 40, idempotencyKey: `seed-${id}`, rule: 'attendance', earnedAt: '2025-05-01T02:00:00.000Z' });
  }
});

afterAll(async () => {
  await mailer?.close();
  await mailbox?.close();
  await db?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('notices go once per family and date; a refused address is counted; a deactivated family is not written to; expiry repeats as nothing', async () => {
  const real = createPointsExpiryActivities({ db, store: new SqlActivityStore(db), mailer, messageIdDomain: 'expiry.example.test', policy: defaultLedgerPolicy, noticeBeforeMs: 30 * DAY });
  // Run as Temporal runs an activity (its context: logger, heartbeats), without a server.
  const env = new MockActivityEnvironment();
  const activities = {
    sendExpiryNotices: (req: { asOf: string }) => env.run(real.sendExpiryNotices, req),
    expireDuePoints: (req: { asOf: string }) => env.run(real.expireDuePoints, req),
  };
  // 2025's points expire at 2026-12-31T16:00Z (00:00 on 1 January in Beijing).
  expect(await activities.sendExpiryNotices({ asOf: '2026-11-15T00:00:00.000Z' })).toEqual({ due: 0, sent: 0, alreadySent: 0, failed: 0 });
  expect(await activities.sendExpiryNotices({ asOf: '2026-12-10T00:00:00.000Z' })).toEqual({ due: 3, sent: 1, alreadySent: 0, failed: 1 });
  expect(await activities.sendExpiryNotices({ asOf: '2026-12-11T00:00:00.000Z' })).toEqual({ due: 3, sent: 0, alreadySent: 1, failed: 1 });
  const mails = mailbox.messages();
  expect(mails.map((m) => m.to)).toEqual([['liu@expiry.example.test']]);
  expect(mails[0]?.text).toContain('您家有 40 成长积分可以使用到北京时间');

  expect(await activities.expireDuePoints({ asOf: '2026-12-31T15:59:59.000Z' })).toEqual({ entries: 0, points: 0 });
  expect(await activities.expireDuePoints({ asOf: '2026-12-31T16:05:00.000Z' })).toEqual({ entries: 3, points: 120 });
  expect(await activities.expireDuePoints({ asOf: '2027-01-01T16:05:00.000Z' })).toEqual({ entries: 0, points: 0 });
  // Nothing is left to tell anyone about.
  expect(await activities.sendExpiryNotices({ asOf: '2027-01-01T16:05:00.000Z' })).toEqual({ due: 0, sent: 0, alreadySent: 0, failed: 0 });
});
