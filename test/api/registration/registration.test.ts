/**
 * Registration over real HTTP against the real app (SQLite), with the real SMTP mailer sending to
 * a real development mailbox. Activities are put in the store directly: see fixtures.ts.
 */
import type { ActionAuditTable } from '../../../api/links/audit';
import { api, mailTo, page, startApiHarness, submit, type ApiHarness } from '../harness';
import { seedActivity, seedFamily, openWindow } from '../people-fixtures';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ worker: false });
});

afterAll(async () => {
  await h?.close();
});

const SELF_LINK = /(https?:\/\/[^\s"<>]+\/s\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/;

async function registrationOf(activityId: string, familyId: string) {
  return h.db.selectFrom('registrations').selectAll().where('activity_id', '=', activityId).where('family_id', '=', familyId).executeTakeFirst();
}

describe('registration by staff', () => {
  test('a cancelled place goes to the first waitlisted family that fits, whose email arrives once', async () => {
    const a = await seedActivity(h.db, { capacity: 4 });
    const [big, large, small, single] = [await seedFamily(h.db), await seedFamily(h.db), await seedFamily(h.db), await seedFamily(h.db)];
    const reg = (familyId: string, members: number) => api(h.baseUrl, 'POST', `/api/activities/${a.id}/registrations`, { who: 'pm', body: { familyId, members } });

    expect((await reg(big.id, 3)).status).toBe(201);
    const waitLarge = await reg(large.id, 4);
    expect(waitLarge.status).toBe(202);
    expect(waitLarge.body).toMatchObject({ status: 'waitlisted', waitlistPosition: 1, placesLeft: 1 });
    expect((await reg(small.id, 2)).status).toBe(202);
    expect((await reg(single.id, 1)).status).toBe(201);

    // Registering twice changes nothing and answers with the existing state.
    const again = await reg(small.id, 1);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'waitlisted', members: 2, existing: true });

    const cancelled = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/registrations/${big.id}/cancel`, { who: 'pm' });
    expect(cancelled.status).toBe(200);
    // Three places free: the family of 4 waiting first does not fit; the family of 2 behind it does.
    expect(cancelled.body).toMatchObject({ cancelled: true, promoted: [small.id], emails: { sent: 1, alreadySent: 0, pending: [] } });
    expect(await registrationOf(a.id, small.id)).toMatchObject({ status: 'registered' });
    expect(await registrationOf(a.id, large.id)).toMatchObject({ status: 'waitlisted' });

    const mail = await mailTo(h.mailbox, small.email, '候补成功');
    expect(mail.text).toContain('邻里节·亲子运动会');
    expect(mail.messageId).toMatch(/@jinhua\.example\.test$/);

    // Once per (activity, family): a repeated cancel or a promotion run sends nothing more.
    const repeat = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/registrations/${big.id}/cancel`, { who: 'co' });
    expect(repeat.body).toMatchObject({ cancelled: false, promoted: [] });
    const promote = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/registrations/promote`, { who: 'co' });
    expect(promote.body).toMatchObject({ promoted: [], emails: { sent: 0 } });
    // The record: the outbox holds exactly one promotion email for this activity, sent to the small family.
    const outbox = await h.db.selectFrom('email_outbox').select(['recipient_key', 'status']).where('activity_id', '=', a.id).where('purpose', '=', 'waitlistPromoted').execute();
    expect(outbox).toEqual([{ recipient_key: `family:${small.id}`, status: 'sent' }]);
    // The promoted family is told it has a place, and sent its registration confirmation (its card): one of each.
    await mailTo(h.mailbox, small.email, '报名成功');
    expect(h.mailbox.messages().filter((m) => m.to.includes(small.email)).map((m) => m.subject.split('：')[0]).sort()).toEqual(['候补成功', '报名成功'].sort());
    expect(h.mailbox.messages().filter((m) => m.to.includes(large.email))).toHaveLength(0);

    const list = await api(h.baseUrl, 'GET', `/api/activities/${a.id}/registrations`, { who: 'gw' });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ capacity: 4, placesLeft: 1 });
    expect(list.body.registrations.map((r: { familyId: string; status: string }) => [r.familyId, r.status])).toEqual([
      [large.id, 'waitlisted'],
      [small.id, 'registered'],
      [single.id, 'registered'],
    ]);
  });

  test('a property manager of another compound is refused (403); an unknown activity is 404', async () => {
    const a = await seedActivity(h.db);
    const f = await seedFamily(h.db);
    const west = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/registrations`, { who: 'pmWest', body: { familyId: f.id, members: 1 } });
    expect(west.status).toBe(403);
    expect(west.body.error.message).toContain('c-east');
    const missing = await api(h.baseUrl, 'POST', '/api/activities/no-such-activity/registrations', { who: 'co', body: { familyId: f.id, members: 1 } });
    expect(missing.status).toBe(404);
    const noFamily = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/registrations`, { who: 'co', body: { familyId: 'nobody', members: 1 } });
    expect(noFamily.status).toBe(404);
    expect(noFamily.body.error.code).toBe('FAMILY_NOT_FOUND');
  });

  test('volunteers sign up through staff, once', async () => {
    const a = await seedActivity(h.db);
    const { id } = await (async () => {
      const v = await api(h.baseUrl, 'POST', '/api/directory/volunteers', { who: 'co', body: { id: `vol-signup-${a.id}`, name: '刘志愿', email: 'liu@example.test', compoundId: 'c-east' } });
      expect(v.status).toBe(201);
      return v.body as { id: string };
    })();
    expect((await api(h.baseUrl, 'POST', `/api/activities/${a.id}/volunteers`, { who: 'pm', body: { volunteerId: id } })).status).toBe(201);
    const twice = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/volunteers`, { who: 'pm', body: { volunteerId: id } });
    expect(twice.status).toBe(200);
    expect(twice.body.status).toBe('alreadySignedUp');
    const withdrawn = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/volunteers/${id}/withdraw`, { who: 'co' });
    expect(withdrawn.body).toMatchObject({ withdrawn: true });
  });
});

describe('registration by the family’s own link', () => {
  test('the link’s page changes nothing on GET; the form POST registers, and a second POST records nothing new', async () => {
    const a = await seedActivity(h.db, { capacity: 10 });
    const f = await seedFamily(h.db, { members: 3 });
    const issued = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/self-service-links`, { who: 'pm', body: { step: 'register', families: [f.id], send: true } });
    expect(issued.status).toBe(200);
    expect(issued.body.emails).toMatchObject({ sent: 1 });
    const [link] = issued.body.links as { recipient: string; url: string; expiresAt: string }[];
    expect(link).toMatchObject({ recipient: `family:${f.id}` });
    // Registration closes when check-in opens: 30 minutes before the start.
    expect(Date.parse(link!.expiresAt)).toBe(Date.parse(a.startsAt) - 30 * 60_000);

    // The email's button is the same link.
    const mail = await mailTo(h.mailbox, f.email, '活动报名开始');
    expect(SELF_LINK.exec(mail.text)?.[1]).toBe(link!.url);

    const shown = await page(link!.url);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('尚未报名');
    expect(shown.text).toContain('name="members"');
    expect(shown.headers.get('referrer-policy')).toBe('no-referrer');
    expect(shown.headers.get('cache-control')).toBe('no-store');
    await page(link!.url, { method: 'HEAD' });
    expect(await registrationOf(a.id, f.id)).toBeUndefined();

    const done = await submit(link!.url, { action: 'register', members: '2' }, { from: shown });
    expect(done.status).toBe(200);
    expect(done.text).toContain('报名成功');
    expect(await registrationOf(a.id, f.id)).toMatchObject({ status: 'registered', members: 2 });

    const again = await submit(link!.url, { action: 'register', members: '5' }, { from: shown });
    expect(again.status).toBe(200);
    expect(again.text).toContain('没有做任何更改');
    expect(await registrationOf(a.id, f.id)).toMatchObject({ status: 'registered', members: 2 });

    // Every POST is audited: who (the token's recipient), what, from where.
    const audit = await h.db.withTables<{ action_audit: ActionAuditTable }>().selectFrom('action_audit').selectAll().where('recipient_key', '=', `family:${f.id}`).orderBy('created_at').execute();
    expect(audit.map((r) => r.outcome)).toEqual(['recorded', 'alreadyDecided']);
  });

  test('a POST without the page’s CSRF value, a tampered token, and a closed registration change nothing', async () => {
    const a = await seedActivity(h.db);
    const f = await seedFamily(h.db);
    const issued = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/self-service-links`, { who: 'co', body: { step: 'register', families: [f.id] } });
    const url = issued.body.links[0].url as string;

    const forged = await page(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=register&members=2' });
    expect(forged.status).toBe(403);
    const tampered = await page(url.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    expect(tampered.status).toBe(400);
    expect(await registrationOf(a.id, f.id)).toBeUndefined();

    // The page was opened, then check-in opened before the form was sent: registration is over
    // (the workflow flips the state; the store call stands in for it).
    const shown = await page(url);
    await openWindow(h.db, a);
    const closed = await submit(url, { action: 'register', members: '2' }, { from: shown });
    expect(closed.status).toBe(409);
    expect(closed.text).toContain('报名已截止');
    expect(await registrationOf(a.id, f.id)).toBeUndefined();
    const noMore = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/self-service-links`, { who: 'co', body: { step: 'register', families: [f.id] } });
    expect(noMore.status).toBe(409);
  });

  test('the registration-open email’s button asks for the address on file and mails the family its own link', async () => {
    const a = await seedActivity(h.db);
    const f = await seedFamily(h.db);
    const askUrl = `${h.baseUrl}/activities/${a.id}/register`;
    const shown = await page(askUrl);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('name="email"');
    const unknown = await submit(askUrl, { email: 'nobody@example.test' }, { from: shown });
    const known = await submit(askUrl, { email: f.email.toUpperCase() }, { from: shown });
    // The same answer either way.
    expect(unknown.status).toBe(200);
    expect(known.status).toBe(200);
    expect(known.text).toBe(unknown.text);
    const mail = await mailTo(h.mailbox, f.email, '活动报名开始');
    const link = SELF_LINK.exec(mail.text)?.[1];
    expect(link).toBeDefined();
    const form = await page(link!);
    expect(form.text).toContain(f.name);
    expect((await submit(link!, { action: 'register', members: '1' }, { from: form })).text).toContain('报名成功');
    expect(await registrationOf(a.id, f.id)).toMatchObject({ status: 'registered', members: 1 });
  });
});
