/**
 * No family registers before the plan is approved, nor into a rejected, cancelled or finished
 * activity, by any path: the staff route, the registration links staff hand out, the family's own
 * link page and the registration-open email's button. Over real HTTP, on SQLite and PostgreSQL.
 * The activity's stage is set in its row, as the workflow's recordActivity does at each change.
 */
import { signSelfServiceLink } from '../../../api/family/links';
import type { Stage } from '../../../domain/activity';
import { DIALECTS } from '../../db/harness';
import { DAY, LINK_SECRET, api, page, startApiHarness, submit, type ApiHarness } from '../harness';
import { seedActivity, seedFamily } from '../people-fixtures';

const CLOSED: { stage: Stage; because: string; zh: string; en: string }[] = [
  { stage: 'planning', because: 'its plan is not approved yet', zh: '报名尚未开放：活动方案还在审批中', en: 'the activity’s plan is still awaiting approval' },
  { stage: 'venueRequest', because: 'its plan is not approved yet', zh: '报名尚未开放：活动方案还在审批中', en: 'the activity’s plan is still awaiting approval' },
  { stage: 'approval', because: 'its plan is not approved yet', zh: '报名尚未开放：活动方案还在审批中', en: 'the activity’s plan is still awaiting approval' },
  { stage: 'rejected', because: 'its plan was rejected', zh: '活动方案未获批准，活动不会举行', en: 'The activity’s plan was not approved' },
  { stage: 'cancelled', because: 'it was cancelled', zh: '活动已取消，无法报名', en: 'The activity has been cancelled' },
  { stage: 'supervisionFeedback', because: 'it has taken place', zh: '报名已截止', en: 'Registration has closed' },
  { stage: 'completed', because: 'it has taken place', zh: '报名已截止', en: 'Registration has closed' },
];

describe.each(DIALECTS)('on %s', (dialect) => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness({ worker: false, dialect });
  });

  afterAll(async () => {
    await h?.close();
  });

  const registrations = (activityId: string) => h.db.selectFrom('registrations').selectAll().where('activity_id', '=', activityId).execute();
  const outbox = (activityId: string) => h.db.selectFrom('email_outbox').selectAll().where('activity_id', '=', activityId).execute();
  const atStage = (activityId: string, stage: Stage) => h.db.updateTable('activities').set({ stage }).where('id', '=', activityId).execute();

  test.each(CLOSED)('at $stage: the staff route and registration links answer 409 REGISTRATION_NOT_OPEN naming the stage; nothing is written', async ({ stage, because }) => {
    const a = await seedActivity(h.db);
    const f = await seedFamily(h.db);
    await atStage(a.id, stage);

    const register = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/registrations`, { who: 'pm', body: { familyId: f.id, members: 2 } });
    expect(register.status).toBe(409);
    expect(register.body.error.code).toBe('REGISTRATION_NOT_OPEN');
    expect(register.body.error.message).toContain(because);
    expect(register.body.error.message).toContain(`stage ${stage}`);

    const links = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/self-service-links`, { who: 'pm', body: { step: 'register', families: [f.id], send: true } });
    expect(links.status).toBe(409);
    expect(links.body.error.code).toBe('REGISTRATION_NOT_OPEN');
    expect(links.body.error.message).toContain(`stage ${stage}`);

    expect(await registrations(a.id)).toEqual([]);
    expect(await outbox(a.id)).toEqual([]);
  });

  test.each(CLOSED)('at $stage: the family’s own link page says why, in Chinese and English, and its POST registers nobody (409)', async ({ stage, zh, en }) => {
    const a = await seedActivity(h.db);
    const f = await seedFamily(h.db);
    const link = signSelfServiceLink({ activityId: a.id, step: 'register', person: { kind: 'family', id: f.id }, expiresAtMs: Date.now() + DAY }, LINK_SECRET, h.baseUrl).url;
    // The page was opened while registration seemed open; the stage has moved since.
    const openedEarlier = await page(link);
    expect(openedEarlier.text).toContain('value="register"');
    await atStage(a.id, stage);

    const shown = await page(link);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain(zh);
    expect(shown.text).not.toContain('value="register"');
    expect((await page(`${link}?lang=en`)).text).toContain(en);

    const posted = await submit(link, { action: 'register', members: '2' }, { from: openedEarlier });
    expect(posted.status).toBe(409);
    expect(posted.text).toContain(zh);
    expect(await registrations(a.id)).toEqual([]);
  });

  test.each(CLOSED)('at $stage: the registration-open email’s button shows why and sends no link', async ({ stage, zh }) => {
    const a = await seedActivity(h.db);
    const f = await seedFamily(h.db);
    const button = `${h.baseUrl}/activities/${a.id}/register`;
    const openedEarlier = await page(button);
    expect(openedEarlier.text).toContain('name="email"');
    await atStage(a.id, stage);

    const shown = await page(button);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain(zh);
    expect(shown.text).not.toContain('name="email"');

    const asked = await submit(button, { email: f.email }, { from: openedEarlier });
    expect(asked.status).toBe(409);
    expect(asked.text).toContain(zh);
    expect(asked.text).not.toContain('请查收邮件');

    // The record that nothing was sent: once registration opens, asking again sends the family
    // its link, and the mailbox then holds that one email to the family, not two.
    await atStage(a.id, 'reminders');
    const reopened = await page(button);
    expect((await submit(button, { email: f.email }, { from: reopened })).status).toBe(200);
    await h.mailbox.waitFor((m) => m.to.includes(f.email), 30_000);
    expect(h.mailbox.messages().filter((m) => m.to.includes(f.email))).toHaveLength(1);
    expect(await registrations(a.id)).toEqual([]);
  });

  test('after approval (reminders) every path registers: the staff route, and the family’s link', async () => {
    const a = await seedActivity(h.db);
    const [byStaff, bySelf] = [await seedFamily(h.db), await seedFamily(h.db)];
    expect((await api(h.baseUrl, 'POST', `/api/activities/${a.id}/registrations`, { who: 'pm', body: { familyId: byStaff.id, members: 2 } })).status).toBe(201);
    const issued = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/self-service-links`, { who: 'pm', body: { step: 'register', families: [bySelf.id] } });
    expect(issued.status).toBe(200);
    const done = await submit(issued.body.links[0].url, { action: 'register', members: '2' });
    expect(done.status).toBe(200);
    expect((await registrations(a.id)).map((r) => [r.family_id, r.status]).sort()).toEqual(
      [
        [byStaff.id, 'registered'],
        [bySelf.id, 'registered'],
      ].sort(),
    );
  });
});
