/**
 * The coordinators' daily digest on the shared real Temporal dev server, with the real workflow
 * bundle, a SQLite database, the real SMTP mailer and a real SMTP receiver (the dev mailbox).
 */
import '../support/quiet-temporal-logs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { createActivities } from '../../activities';
import { createDigestActivities } from '../../activities/digest';
import { dayIn, startDigestScheduler, type DigestScheduler } from '../../api/digest-scheduler';
import { createDatabase } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { SqlActivityStore } from '../../db/store';
import type { Database } from '../../db/types';
import { Plan, type ThemedActivityInput } from '../../domain/schemas';
import { startDevMailbox, type DevMailbox, type StoredMail } from '../../mail/dev-mailbox';
import type { DigestReport } from '../../domain/emails';
import { renderDigest } from '../../mail/digest-template';
import { formatCalendarDay, formatDayTime } from '../../i18n/format';
import { emailKey, messageIdFor } from '../../mail/message-id';
import { SmtpMailer } from '../../mail/smtp-mailer';
import { renderEmail } from '../../mail/templates';
import { createWorker } from '../../worker/create-worker';
import { dailyDigestWorkflow, dailyDigestWorkflowId, type DailyDigestResult } from '../../workflows/daily-digest';
import { statusQuery, themedActivityWorkflow } from '../../workflows/themed-activity';
import { themedActivityWorkflowId } from '../../domain/activity';
import { devServerAddress, workflowBundle } from '../support/temporal';
import { loadConfig } from '../../config';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TZ = 'Asia/Shanghai';
const COMPOUND = 'digest-garden';
const MAIL_DOMAIN = 'digest.example.test';
const coordinators = [
  { id: 'co-zh', role: 'coordinator' as const, name: '张协调', email: 'zhang@digest.example.test', locale: 'zh-CN' as const, compound_id: null },
  { id: 'co-en', role: 'coordinator' as const, name: 'Alex Lin', email: 'alex@digest.example.test', locale: 'en' as const, compound_id: null },
];
const gridWorker = { id: 'gw-d', role: 'gridWorker' as const, name: '李网格', email: 'gw@digest.example.test', locale: 'zh-CN' as const, compound_id: COMPOUND };

const isDigest = (m: StoredMail): boolean => m.subject.startsWith('【每日汇总】') || m.subject.startsWith('Daily digest');

describe('daily digest', () => {
  const taskQueue = `digest-test-${process.pid}-${Date.now()}`;
  let dir: string;
  let db: Kysely<Database>;
  let mailbox: DevMailbox;
  let mailer: SmtpMailer;
  let connection: Connection;
  let client: Client;
  let nativeConnection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  const schedulers: DigestScheduler[] = [];
  const activityWorkflowId = themedActivityWorkflowId(`digest-act-${process.pid}-${Date.now()}`);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-digest-'));
    db = createDatabase({ sqlitePath: path.join(dir, 'app.sqlite') });
    await migrateToLatest(db);
    await db.insertInto('compounds').values({ id: COMPOUND, name: '锦绣花园' }).execute();
    await db.insertInto('staff').values([...coordinators, gridWorker]).execute();
    const store = new SqlActivityStore(db);
    mailbox = await startDevMailbox({ port: 0 });
    mailer = new SmtpMailer({ host: '127.0.0.1', port: mailbox.port, secure: false, from: { name: '锦华社区', email: `noreply@${MAIL_DOMAIN}` } });
    connection = await Connection.connect({ address: devServerAddress() });
    client = new Client({ connection });
    nativeConnection = await NativeConnection.connect({ address: devServerAddress() });
    worker = await createWorker({
      connection: nativeConnection,
      taskQueue,
      activities: {
        ...createActivities({
          store,
          mailer,
          render: renderEmail,
          links: { secret: 'digest-test-link-secret-0123456789abcdefghij', publicBaseUrl: 'http://localhost:3999', graceMs: DAY },
          messageIdDomain: MAIL_DOMAIN,
        }),
        ...createDigestActivities({
          client,
          db,
          store,
          mailer,
          taskQueue,
          publicBaseUrl: 'http://localhost:3999',
          timeZone: TZ,
          messageIdDomain: MAIL_DOMAIN,
        }),
      },
      workflowBundle: workflowBundle(),
    });
    running = worker.run();
  });

  afterAll(async () => {
    for (const s of schedulers) await s.stop();
    await client?.workflow.getHandle(activityWorkflowId).terminate('test over').catch(() => undefined);
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await nativeConnection?.close();
    await connection?.close();
    await mailer?.close();
    await mailbox?.close();
    await db?.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('two API processes ticking on the same day run one workflow that sends one digest per coordinator', async () => {
    // An activity waiting for approval that starts in three days: in "approvals" and "next 7 days".
    const startsAt = Math.floor((Date.now() + 3 * DAY) / 60_000) * 60_000;
    const input: ThemedActivityInput = {
      activityId: activityWorkflowId.replace(/^themed-activity:/, ''),
      cycleId: 'cycle-digest',
      plan: Plan.parse({
        title: '楼道美化·共创美好家园 <b>&</b>',
        theme: '楼道美化',
        compound: COMPOUND,
        startsAt: new Date(startsAt).toISOString(),
        endsAt: new Date(startsAt + 2 * HOUR).toISOString(),
        capacity: 40,
        venue: { kind: 'community', venueName: '社区活动室', hours: 3 },
        volunteersNeeded: 2,
        pointsRules: { attendance: 10, perVolunteerHour: 5 },
        budget: 800,
      }),
      people: {
        propertyManager: { id: 'pm-d', name: '王管家', email: 'pm@digest.example.test', locale: 'zh-CN' },
        gridWorker: { id: gridWorker.id, name: gridWorker.name, email: gridWorker.email, locale: 'zh-CN' },
        coordinator: { id: 'co-zh', name: '张协调', email: 'zhang@digest.example.test', locale: 'zh-CN' },
        supervisor: { id: 'su-d', name: '陈督导', email: 'su@digest.example.test', locale: 'zh-CN' },
      },
      timings: { ...loadConfig({}).timings, reminderOffsetsMs: [DAY] },
    };
    const activity = await client.workflow.start(themedActivityWorkflow, { taskQueue, workflowId: activityWorkflowId, args: [input] });
    await eventually(async () => expect((await activity.query(statusQuery)).stage).toBe('approval'));
    await eventually(async () => {
      const listed = [];
      for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ActivityStage = 'approval'` })) listed.push(wf.workflowId);
      expect(listed).toEqual([activityWorkflowId]);
    });

    // One of its emails was refused for good (the outbox's record): the digest lists it.
    await db
      .insertInto('email_outbox')
      .values({ key: `${activityWorkflowId}/registrationOpen/family:f-gone/1`, activity_id: input.activityId, purpose: 'registrationOpen', recipient_key: 'family:f-gone', status: 'pending', message_id: null, created_at: new Date().toISOString(), sent_at: null, claimed_by: null, lease_until: null, delivery: 'refused', attempts: 1, last_error: '550 5.1.1 No such mailbox', next_attempt_at: null, retry_email: null })
      .execute();

    // Two "API processes", each with its own scheduler, ticking every second on the same day.
    const at = new Date();
    const day = dayIn(TZ, at);
    const config = { digest: { cron: '* * * * * *', timeZone: TZ }, temporal: { taskQueue } };
    // Each scheduler reads its clock once per tick: the count is the record that it ticked.
    const ticks = [0, 0];
    const started: string[] = [];
    const logger = { info: (m: string) => started.push(m), warn: () => undefined, error: (m: string) => console.error(m) };
    for (const i of [0, 1]) {
      const now = () => {
        ticks[i] = (ticks[i] ?? 0) + 1;
        return at;
      };
      schedulers.push(startDigestScheduler({ client, config, now, logger }));
    }
    const workflowId = dailyDigestWorkflowId(day);
    const handle = client.workflow.getHandle<typeof dailyDigestWorkflow>(workflowId);
    await eventually(async () => expect((await handle.describe()).status.name).toBe('COMPLETED'));
    // Two more ticks of each scheduler after completion, each one a start Temporal refused.
    const ticksAtCompletion = [...ticks];
    await eventually(async () => {
      for (const i of [0, 1]) expect(ticks[i]! - ticksAtCompletion[i]!).toBeGreaterThanOrEqual(2);
    });
    for (const s of schedulers.splice(0)) await s.stop();
    expect(started).toEqual([`daily digest ${day} started (${workflowId})`]);

    // One run that day, however many ticks.
    const runs = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(wf.runId);
    expect(runs).toHaveLength(1);
    // And a start by hand later that day is refused too.
    const again = startDigestScheduler({ client, config: { ...config, digest: { ...config.digest, cron: '0 8 * * *' } }, now: () => at, logger });
    schedulers.push(again);
    await expect(again.runNow()).resolves.toEqual({ outcome: 'alreadyStarted', workflowId, day });

    const result: DailyDigestResult = await handle.result();
    expect(result).toMatchObject({ day, coordinators: 2, sent: 2, alreadySent: 0, failed: [] });
    expect(result.counts).toMatchObject({ pendingApprovals: 1, upcoming: 1 });

    // One digest per coordinator, none to anyone else; each with the Message-ID of its outbox key.
    await eventually(async () => expect(mailbox.messages().filter(isDigest)).toHaveLength(2));
    const digests = mailbox.messages().filter(isDigest);
    expect(digests.map((m) => m.to).sort()).toEqual([[coordinators[1]!.email], [coordinators[0]!.email]]);
    for (const c of coordinators) {
      const mail = digests.find((m) => m.to.includes(c.email))!;
      const key = emailKey({ workflowId, purpose: 'dailyDigest', recipientKey: `staff:${c.id}`, round: day });
      expect(mail.messageId).toBe(messageIdFor(key, MAIL_DOMAIN));
    }
    const zh = digests.find((m) => m.to.includes(coordinators[0]!.email))!;
    expect(zh.subject).toContain('待审批 1 项');
    expect(zh.text).toContain('楼道美化·共创美好家园 <b>&</b>');
    expect(zh.text).toContain('网格员 · 审批活动方案');
    expect(zh.html).toContain('楼道美化·共创美好家园 &lt;b&gt;&amp;&lt;/b&gt;');
    expect(zh.html).not.toContain('<b>&</b>');
    expect(zh.text).toContain('未送达的邮件 (1)');
    expect(zh.text).toContain('重试中 0 封 · 无法送达 1 封');
    const en = digests.find((m) => m.to.includes(coordinators[1]!.email))!;
    expect(en.subject).toMatch(/^Daily digest .*1 awaiting approval/);

    // Forcing a second run of the same day (an operator's retry) sends nobody a second digest.
    const outboxRows = () =>
      db.selectFrom('email_outbox').select(['key', 'recipient_key', 'status', 'message_id', 'sent_at']).where('activity_id', '=', workflowId).orderBy('key').execute();
    const outboxBefore = await outboxRows();
    expect(outboxBefore.map((r) => [r.recipient_key, r.status]).sort()).toEqual(coordinators.map((c) => [`staff:${c.id}`, 'sent']).sort());
    const rerun = await client.workflow.execute(dailyDigestWorkflow, {
      taskQueue,
      workflowId,
      args: [{ day }],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
    expect(rerun).toMatchObject({ sent: 0, alreadySent: 2 });
    // The outbox's record: the same rows, each still marked sent at its first sending.
    expect(await outboxRows()).toEqual(outboxBefore);
    // The rerun has completed, and the mailbox acknowledges a message only once it has stored it:
    // any email the rerun sent would be here already.
    expect(mailbox.messages().filter(isDigest)).toHaveLength(2);
  });

  it('the digest template lists overdue steps and escapes every value', () => {
    const report: DigestReport = {
      day: '2026-05-01',
      timeZone: TZ,
      asOf: '2026-05-01T00:00:00.000Z',
      pendingApprovals: [],
      overdue: [
        {
          activityId: 'a-1',
          title: '<script>alert(1)</script>',
          compound: 'c"1',
          stage: 'venueRequest',
          startsAt: '2026-05-03T01:00:00.000Z',
          pending: { role: 'merchant', action: 'answerVenueRequest', dueAt: '2026-04-30T10:00:00.000Z' },
          url: 'javascript:alert(1)',
        },
      ],
      upcoming: [],
      upcomingDays: 7,
      truncated: false,
      dashboardUrl: 'http://localhost:3000/dashboard',
    };
    const zh = renderDigest({ recipientName: '张<协调>', report });
    expect(zh.subject).toBe(`【每日汇总】${formatCalendarDay(report.day, 'zh-CN')}：待审批 0 项，逾期 1 项，近 7 天活动 0 场`);
    expect(zh.subject).toMatch(/^【每日汇总】(2026年)?5月1日（周五）：/);
    expect(zh.text).toContain(`商户 · 答复场地申请 (截止 ${formatDayTime('2026-04-30T10:00:00.000Z', 'zh-CN', report.timeZone)})`);
    expect(zh.html).not.toMatch(/<script|javascript:|张<协调>/);
    expect(zh.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(zh.html).toContain('c&quot;1');
    const en = renderDigest({ recipientName: 'Alex', report }, 'en');
    expect(en.text).toContain(`Merchant · Answer the venue request (due ${formatDayTime('2026-04-30T10:00:00.000Z', 'en', report.timeZone)})`);
    expect(en.text).toMatch(/\(due Thu 30 Apr( 2026)? 18:00\)/);
    expect(en.text).toContain('Overdue steps (1)');
    // Nothing stuck and nothing undelivered: neither list takes space.
    expect(zh.text).not.toContain('需要处理的活动');
    expect(zh.text).not.toContain('未送达的邮件');
  });

  it('lists the activities that need attention and those whose emails did not go out, with the step, the error and the counts', () => {
    const item = { activityId: 'a-1', title: '邻里节', compound: COMPOUND, stage: 'reminders', startsAt: '2026-05-03T02:00:00.000Z', url: 'http://localhost:3000/dashboard/activities/a-1' };
    const report: DigestReport = {
      day: '2026-05-01',
      timeZone: TZ,
      asOf: '2026-05-01T00:00:00.000Z',
      pendingApprovals: [],
      overdue: [],
      upcoming: [],
      upcomingDays: 7,
      truncated: false,
      dashboardUrl: 'http://localhost:3000/dashboard',
      needsAttention: [{ ...item, attention: { step: 'awardPoints', error: 'activity a-1: attendance must be closed before points are awarded' } }],
      undelivered: [{ ...item, undelivered: { retrying: 2, refused: 1 } }],
    };
    const zh = renderDigest({ recipientName: '张协调', report });
    expect(zh.text).toContain('需要处理的活动 (1)');
    expect(zh.text).toContain('“发放成长积分”没有成功：activity a-1: attendance must be closed before points are awarded');
    expect(zh.text).toContain('未送达的邮件 (1)');
    expect(zh.text).toContain('重试中 2 封 · 无法送达 1 封');
    expect(zh.html).toContain('需要处理的活动');
    const en = renderDigest({ recipientName: 'Alex', report }, 'en');
    expect(en.text).toContain('“Award growth points” did not go through');
    expect(en.text).toContain('2 retrying · 1 refused');
  });
});

async function eventually(check: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
