/**
 * An activity that will not take place gives every family's place back and tells each family once:
 * end to end over real HTTP, the real workflow on the shared dev server, the real SMTP mailer and
 * the development mailbox, on SQLite and PostgreSQL.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../activities';
import { signSelfServiceLink } from '../../../api/family/links';
import { SqlActivityStore } from '../../../db/store';
import { SmtpMailer } from '../../../mail/smtp-mailer';
import { renderEmail } from '../../../mail/templates';
import { themedActivityWorkflowId, type ActivityStatus } from '../../../domain/activity';
import { DIALECTS } from '../../db/harness';
import { DAY, LINK_SECRET, STAFF, api, communityPlan, eventually, page, seedCycle, startApiHarness, unique, type ApiHarness } from '../harness';
import { seedActivity, seedFamily, type SeededFamily } from '../people-fixtures';

describe.each(DIALECTS)('on %s', (dialect) => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness({ worker: true, dialect });
  });

  afterAll(async () => {
    await h?.close();
  });

  async function start(title: string, capacity: number): Promise<string> {
    const res = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId: await seedCycle(h.db, unique('cycle')), plan: communityPlan(title, { capacity }) } });
    expect(res.status).toBe(201);
    return res.body.activityId as string;
  }

  async function untilStage(activityId: string, stage: string): Promise<void> {
    await eventually(async () => ((await api(h.baseUrl, 'GET', `/api/activities/${activityId}`, { who: 'co' })).body as ActivityStatus).stage === stage || undefined, 30_000, `${activityId} at ${stage}`);
  }

  /** Waits for the workflow to end: everything it does is then in the records. */
  async function ended(activityId: string): Promise<void> {
    await h.client.workflow.getHandle(themedActivityWorkflowId(activityId)).result();
  }

  const registrationsOf = async (activityId: string) =>
    (await h.db.selectFrom('registrations').select(['family_id', 'status']).where('activity_id', '=', activityId).orderBy('seq').execute()).map((r) => [r.family_id, r.status]);
  const outboxOf = async (activityId: string, purpose: string) =>
    (await h.db.selectFrom('email_outbox').select(['recipient_key', 'status', 'message_id']).where('activity_id', '=', activityId).where('purpose', '=', purpose).execute()).sort((a, b) =>
      a.recipient_key.localeCompare(b.recipient_key),
    );
  const mailsTo = (f: SeededFamily) => h.mailbox.messages().filter((m) => m.to.includes(f.email));
  const ownPage = (activityId: string, f: SeededFamily) =>
    page(signSelfServiceLink({ activityId, step: 'register', person: { kind: 'family', id: f.id }, expiresAtMs: Date.now() + DAY }, LINK_SECRET, h.baseUrl).url);

  test('a plan rejected with families registered during its approval releases them, and tells each family once, by name, with the reason', async () => {
    const title = unique('东苑亲子运动会');
    const activityId = await start(title, 3);
    await untilStage(activityId, 'approval');
    const [registered, waitlisted] = [await seedFamily(h.db, { name: '刘家' }), await seedFamily(h.db, { name: '陈家' })];

    // Registering during the approval is refused now ...
    const refused = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/registrations`, { who: 'pm', body: { familyId: registered.id, members: 2 } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('REGISTRATION_NOT_OPEN');
    // ... but families registered during an approval before this rule existed (as in the report);
    // their rows are written as the registration service wrote them then.
    const now = new Date().toISOString();
    await h.db
      .insertInto('registrations')
      .values([
        { activity_id: activityId, family_id: registered.id, members: 2, status: 'registered', seq: 1, created_at: now, updated_at: now },
        { activity_id: activityId, family_id: waitlisted.id, members: 2, status: 'waitlisted', seq: 2, created_at: now, updated_at: now },
      ])
      .execute();

    const rejected = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/approval`, { who: 'co', body: { round: 1, decision: 'reject', comment: '与社区安排冲突' } });
    expect(rejected.status).toBe(200);
    await ended(activityId);

    expect(await registrationsOf(activityId)).toEqual([
      [registered.id, 'cancelled'],
      [waitlisted.id, 'cancelled'],
    ]);
    const list = await api(h.baseUrl, 'GET', `/api/activities/${activityId}/registrations`, { who: 'pm' });
    expect(list.body).toMatchObject({ registrations: [], placesLeft: 3 });

    // The record: one release email per family, sent; nothing else went to the families.
    const released = await outboxOf(activityId, 'registrationReleased');
    expect(released.map((r) => [r.recipient_key, r.status])).toEqual(
      [
        [`family:${registered.id}`, 'sent'],
        [`family:${waitlisted.id}`, 'sent'],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    const familyRows = await h.db.selectFrom('email_outbox').select('recipient_key').where('activity_id', '=', activityId).where('recipient_key', 'like', 'family:%').execute();
    expect(familyRows).toHaveLength(2);
    for (const f of [registered, waitlisted]) {
      const mail = await h.mailbox.waitFor((m) => m.to.includes(f.email), 30_000);
      expect(mailsTo(f)).toHaveLength(1);
      expect(mail.subject).toContain(title);
      expect(mail.text).toContain(`${f.name}，您好`);
      expect(mail.text).toContain('方案未获批准，活动不会举行');
      expect(mail.text).toContain('与社区安排冲突');
      expect(mail.text).toContain('您的报名（或候补位置）已释放');
      expect(mail.messageId).toBe(released.find((r) => r.recipient_key === `family:${f.id}`)?.message_id);
    }

    // The family's own page shows the registration released, and registers nobody again.
    const shown = await ownPage(activityId, registered);
    expect(shown.text).toContain('活动不再举行，您的报名已释放');
    expect(shown.text).toContain('活动方案未获批准，活动不会举行，无法报名');
    expect(shown.text).not.toContain('value="register"');
  });

  test('a cancelled activity releases its registered and waitlisted families: each hears once, from the release, not from the cancellation notice too', async () => {
    const title = unique('东苑心理减压工作坊');
    const activityId = await start(title, 3);
    await untilStage(activityId, 'approval');
    expect((await api(h.baseUrl, 'POST', `/api/activities/${activityId}/approval`, { who: 'co', body: { round: 1, decision: 'approve' } })).status).toBe(200);
    await untilStage(activityId, 'reminders');
    const [registered, waitlisted] = [await seedFamily(h.db, { name: '王家' }), await seedFamily(h.db, { name: '赵家' })];
    const reg = (f: SeededFamily) => api(h.baseUrl, 'POST', `/api/activities/${activityId}/registrations`, { who: 'pm', body: { familyId: f.id, members: 2 } });
    expect((await reg(registered)).status).toBe(201);
    expect((await reg(waitlisted)).status).toBe(202);

    const cancelled = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/cancel`, { who: 'pm', body: { reason: '场地维修' } });
    expect(cancelled.status).toBe(200);
    await ended(activityId);

    expect(await registrationsOf(activityId)).toEqual([
      [registered.id, 'cancelled'],
      [waitlisted.id, 'cancelled'],
    ]);
    const released = await outboxOf(activityId, 'registrationReleased');
    expect(released.map((r) => r.recipient_key)).toEqual([`family:${registered.id}`, `family:${waitlisted.id}`].sort());
    expect(released.every((r) => r.status === 'sent')).toBe(true);
    // The cancellation notice still reaches the staff who were told, and no family.
    const notices = await outboxOf(activityId, 'cancellation');
    expect(notices.map((r) => r.recipient_key)).toEqual([`staff:${STAFF.gw.id}`, `staff:${STAFF.pm.id}`].sort());

    for (const f of [registered, waitlisted]) {
      // Besides the registration-open email the whole compound may get, the family hears once: the release.
      const mail = await h.mailbox.waitFor((m) => m.to.includes(f.email) && m.subject.includes('报名已释放'), 30_000);
      expect(mailsTo(f).filter((m) => m.subject.includes('报名已释放'))).toHaveLength(1);
      expect(mailsTo(f).filter((m) => m.subject.includes('活动取消通知'))).toHaveLength(0);
      expect(mail.text).toContain(`${f.name}，您好`);
      expect(mail.text).toContain('已取消');
      expect(mail.text).toContain('场地维修');
    }
    const shown = await ownPage(activityId, waitlisted);
    expect(shown.text).toContain('活动不再举行，您的报名已释放');
    expect(shown.text).toContain('活动已取消，无法报名');
  });

  test('a retry after a crash between a family’s email and its release sends that family nothing more, and releases everyone', async () => {
    const a = await seedActivity(h.db, { capacity: 2 });
    const [first, second] = [await seedFamily(h.db), await seedFamily(h.db)];
    const now = new Date().toISOString();
    await h.db
      .insertInto('registrations')
      .values([
        { activity_id: a.id, family_id: first.id, members: 2, status: 'registered', seq: 1, created_at: now, updated_at: now },
        { activity_id: a.id, family_id: second.id, members: 2, status: 'waitlisted', seq: 2, created_at: now, updated_at: now },
      ])
      .execute();
    const store = new SqlActivityStore(h.db);
    let crashes = 1;
    // The worker dies once, right after the first family's email went out.
    const crashingStore = Object.assign(Object.create(store) as SqlActivityStore, {
      releasePlace: async (activityId: string, familyId: string) => {
        if (crashes-- > 0) throw new Error('worker lost');
        return store.releasePlace(activityId, familyId);
      },
    });
    const activities = createActivities({
      store: crashingStore,
      mailer: new SmtpMailer({ host: '127.0.0.1', port: h.mailbox.port, secure: false, from: h.config.mail.from }),
      render: renderEmail,
      links: { secret: LINK_SECRET, publicBaseUrl: h.baseUrl, graceMs: h.config.links.graceMs },
      messageIdDomain: 'jinhua.example.test',
    });
    const request = {
      workflowId: themedActivityWorkflowId(a.id),
      outcome: 'cancelled' as const,
      reason: '场地维修',
      activity: { activityId: a.id, title: '邻里节·亲子运动会', theme: '邻里节', compound: 'c-east', startsAt: a.startsAt, endsAt: a.endsAt },
    };
    const env = new MockActivityEnvironment();
    await expect(env.run(activities.releaseRegistrations, request)).rejects.toThrow('worker lost');
    expect(await registrationsOf(a.id)).toEqual([
      [first.id, 'registered'],
      [second.id, 'waitlisted'],
    ]);

    const retried = await env.run(activities.releaseRegistrations, request);
    expect(retried).toEqual({ released: 2, notified: { sent: 1, alreadySent: 1, failed: [] } });
    expect(await registrationsOf(a.id)).toEqual([
      [first.id, 'cancelled'],
      [second.id, 'cancelled'],
    ]);
    // A third run (another retry) finds nobody left to release and sends nothing.
    expect(await env.run(activities.releaseRegistrations, request)).toEqual({ released: 0, notified: { sent: 0, alreadySent: 0, failed: [] } });

    const released = await outboxOf(a.id, 'registrationReleased');
    expect(released.map((r) => [r.recipient_key, r.status])).toEqual(
      [
        [`family:${first.id}`, 'sent'],
        [`family:${second.id}`, 'sent'],
      ].sort((x, y) => x[0]!.localeCompare(y[0]!)),
    );
    for (const f of [first, second]) {
      await h.mailbox.waitFor((m) => m.to.includes(f.email), 30_000);
      expect(mailsTo(f)).toHaveLength(1);
    }
  });
});
