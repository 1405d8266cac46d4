/**
 * What the workflow's `notify` activity adds to a family's copy of an email, at send time: the
 * registration-open email's button is the family's own signed registration link (not the page
 * that asks for an email address), and a reminder carries the family's card (an inline QR image
 * that decodes to its card URL, and the short code) and its own check-in link. Staff and
 * merchants get neither. Real SQLite, real SMTP into the dev mailbox, the real activity run in
 * Temporal's activity environment.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { simpleParser } from 'mailparser';
import { createActivities, type NotifyRequest } from '../../activities';
import { readSelfServiceToken } from '../../api/family/links';
import { themedActivityWorkflowId } from '../../domain/activity';
import { cardCodeOf, qrCardUrl } from '../../domain/card';
import { SqlActivityStore } from '../../db/store';
import { SmtpMailer } from '../../mail/smtp-mailer';
import { renderEmail } from '../../mail/templates';
import { LINK_SECRET, STAFF, startApiHarness, type ApiHarness } from '../api/harness';
import { seedActivity, seedFamily } from '../api/people-fixtures';
import { decodeQrPng } from '../support/qr-decode';

let h: ApiHarness;
let mailer: SmtpMailer;

beforeAll(async () => {
  h = await startApiHarness({ worker: false });
  mailer = new SmtpMailer({ host: '127.0.0.1', port: h.mailbox.port, secure: false, from: h.config.mail.from });
});

afterAll(async () => {
  await mailer?.close();
  await h?.close();
});

const activitiesFor = () =>
  createActivities({
    store: new SqlActivityStore(h.db),
    mailer,
    render: renderEmail,
    links: { secret: LINK_SECRET, publicBaseUrl: h.baseUrl, graceMs: h.config.links.graceMs, attendanceOpensBeforeMs: 30 * 60_000, attendanceClosesAfterMs: 30 * 60_000 },
    messageIdDomain: 'jinhua.example.test',
  });

const links = (text: string) => [...text.matchAll(/https?:\/\/[^\s"<>]+\/s\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g)].map((m) => readSelfServiceToken(m[1]!, LINK_SECRET, Date.now()));

test('the registration-open email carries each family’s own registration link, ending when check-in opens', async () => {
  const a = await seedActivity(h.db, { compound: 'c-west' });
  const [liu, chen] = [await seedFamily(h.db, { compound: 'c-west', name: '刘家' }), await seedFamily(h.db, { compound: 'c-west', name: '陈家' })];
  const heading = { activityId: a.id, title: '西苑读书会', theme: '读书', compound: 'c-west', startsAt: a.startsAt, endsAt: a.endsAt };
  const request: NotifyRequest = {
    workflowId: themedActivityWorkflowId(a.id),
    purpose: 'registrationOpen',
    round: '1',
    audience: [{ kind: 'compoundFamilies', compound: 'c-west' }],
    message: { purpose: 'registrationOpen', activity: heading },
  };
  const result = (await new MockActivityEnvironment().run(activitiesFor().notify, request)) as Awaited<ReturnType<ReturnType<typeof activitiesFor>['notify']>>;
  expect(result.sent).toBeGreaterThanOrEqual(2);
  for (const f of [liu, chen]) {
    const mail = await h.mailbox.waitFor((m) => m.to.includes(f.email) && m.subject.includes('西苑读书会'), 30_000);
    expect(mail.text).not.toContain(`/activities/${a.id}/register`);
    const [own] = links(mail.text);
    expect(own).toMatchObject({ kind: 'ok', activityId: a.id, step: 'register', person: { kind: 'family', id: f.id } });
    expect(own?.kind === 'ok' && own.claims.exp * 1000).toBe(Date.parse(a.startsAt) - 30 * 60_000);
  }
  // A retry mails nobody again: the outbox keys (and so the Message-IDs) are per purpose and family, not per link.
  await new MockActivityEnvironment().run(activitiesFor().notify, request);
  const rows = await h.db.selectFrom('email_outbox').select(['recipient_key', 'status']).where('activity_id', '=', a.id).execute();
  expect(rows.filter((r) => r.recipient_key === `family:${liu.id}`)).toEqual([{ recipient_key: `family:${liu.id}`, status: 'sent' }]);
  expect(h.mailbox.messages().filter((m) => m.to.includes(liu.email))).toHaveLength(1);
});

test('a reminder carries the family’s card as an inline QR image with its code, and its check-in link; the grid worker’s has neither', async () => {
  const a = await seedActivity(h.db);
  const f = await seedFamily(h.db, { name: '王家' });
  await h.db.insertInto('registrations').values({ activity_id: a.id, family_id: f.id, members: 2, status: 'registered', seq: 1, created_at: new Date().toISOString(), updated_at: new Date().toISOString() }).execute();
  const title = `提醒测试 ${a.id}`;
  const reminder: NotifyRequest = {
    workflowId: themedActivityWorkflowId(a.id),
    purpose: 'reminder',
    round: `86400000@${a.startsAt}`,
    audience: [
      { kind: 'registrants', activityId: a.id },
      { kind: 'person', recipientKey: `staff:${STAFF.gw.id}`, name: STAFF.gw.name, email: STAFF.gw.email, locale: 'zh-CN' },
    ],
    message: { purpose: 'reminder', activity: { activityId: a.id, title, theme: '邻里节', compound: 'c-east', startsAt: a.startsAt, endsAt: a.endsAt }, leadTimeMs: 86_400_000 },
  };
  await new MockActivityEnvironment().run(activitiesFor().notify, reminder);

  const family = await h.mailbox.waitFor((m) => m.to.includes(f.email) && m.subject.includes(title), 30_000);
  const parsed = await simpleParser(h.mailbox.raw(family.id)!, { keepCidLinks: true });
  const qr = parsed.attachments.find((x) => x.contentType === 'image/png');
  expect(qr?.cid).toBeDefined();
  expect(String(parsed.html)).toContain(`cid:${qr!.cid}`);
  expect(decodeQrPng(qr!.content)).toBe(qrCardUrl(h.baseUrl, f.qrToken));
  expect(family.text).toContain(cardCodeOf(f.qrToken));
  expect(links(family.text)).toEqual([expect.objectContaining({ kind: 'ok', step: 'checkIn', person: { kind: 'family', id: f.id } })]);

  const staff = await h.mailbox.waitFor((m) => m.to.includes(STAFF.gw.email) && m.subject.includes(title), 30_000);
  const staffParsed = await simpleParser(h.mailbox.raw(staff.id)!, { keepCidLinks: true });
  expect(staffParsed.attachments).toEqual([]);
  expect(staff.text).not.toContain('/s/');
});
