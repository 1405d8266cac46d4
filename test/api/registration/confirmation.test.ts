/**
 * The registration confirmation goes through the outbox: when the mail server does not take it,
 * the family is told it comes later, the outbox row stays pending, and the family's next visit to
 * its page sends it, once, with the Message-ID derived from the same key. Real HTTP on SQLite and
 * PostgreSQL, the real SMTP mailer into the dev mailbox (a mailer that refuses stands in for a
 * relay that is down).
 */
import { signSelfServiceLink } from '../../../api/family/links';
import { themedActivityWorkflowId } from '../../../domain/activity';
import type { Mailer } from '../../../mail/mailer';
import { emailKey, messageIdFor } from '../../../mail/message-id';
import { MailSendError } from '../../../mail/smtp-mailer';
import { DAY, LINK_SECRET, api, eventually, mailTo, page, startApiHarness, submit, type ApiHarness } from '../harness';
import { seedActivity, seedFamily } from '../people-fixtures';
import { DIALECTS } from '../../db/harness';

describe.each(DIALECTS)('on %s', (dialect) => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness({ worker: false, dialect });
  });

  afterAll(async () => {
    await h?.close();
  });

  test('a confirmation the relay refused stays pending and is sent, once, on the family’s next visit', async () => {
    const refusing: Mailer = {
      send: () => Promise.reject(new MailSendError('connection refused', 'ECONNREFUSED')),
    };
    const down = await h.startExtraApp({ mailer: refusing });
    try {
      const a = await seedActivity(h.db);
      const f = await seedFamily(h.db, { members: 2 });
      const link = (base: string) => signSelfServiceLink({ activityId: a.id, step: 'register', person: { kind: 'family', id: f.id }, expiresAtMs: Date.now() + DAY }, LINK_SECRET, base).url;

      const done = await submit(link(down.baseUrl), { action: 'register', members: '2' });
      expect(done.status).toBe(200);
      expect(done.text).toContain('暂时未能发出');
      const outbox = () => h.db.selectFrom('email_outbox').select(['key', 'status', 'message_id']).where('activity_id', '=', a.id).where('purpose', '=', 'registrationConfirmed').execute();
      expect((await outbox()).map((r) => r.status)).toEqual(['pending']);

      // The relay is back (the main app's mailer): opening the page sends what is pending.
      expect((await page(link(h.baseUrl))).status).toBe(200);
      const mail = await mailTo(h.mailbox, f.email, '报名成功');
      const [row] = await eventually(async () => {
        const rows = await outbox();
        return rows[0]?.status === 'sent' ? rows : undefined;
      });
      const key = emailKey({ workflowId: themedActivityWorkflowId(a.id), purpose: 'registrationConfirmed', recipientKey: `family:${f.id}`, round: 'registration-1' });
      expect(row).toMatchObject({ key, status: 'sent', message_id: messageIdFor(key, 'jinhua.example.test') });
      expect(mail.messageId).toBe(row!.message_id);

      // Another visit finds it sent: the outbox holds one sent row and the mailbox one confirmation.
      expect((await page(link(h.baseUrl))).status).toBe(200);
      expect(await outbox()).toEqual([row]);
      expect(h.mailbox.messages().filter((m) => m.to.includes(f.email) && m.subject.startsWith('报名成功'))).toHaveLength(1);
    } finally {
      await down.close();
    }
  });

  test('a family registered by staff, or promoted from the waiting list, is sent the confirmation with its card; a waitlisted one is not', async () => {
    const a = await seedActivity(h.db, { capacity: 2 });
    const [byStaff, waiting] = [await seedFamily(h.db, { members: 2 }), await seedFamily(h.db, { members: 2 })];
    expect((await api(h.baseUrl, 'POST', `/api/activities/${a.id}/registrations`, { who: 'pm', body: { familyId: byStaff.id, members: 2 } })).status).toBe(201);
    expect((await api(h.baseUrl, 'POST', `/api/activities/${a.id}/registrations`, { who: 'pm', body: { familyId: waiting.id, members: 2 } })).status).toBe(202);
    const first = await mailTo(h.mailbox, byStaff.email, '报名成功');
    expect(first.html).toContain('cid:');
    const confirmed = () => h.db.selectFrom('email_outbox').select('recipient_key').where('activity_id', '=', a.id).where('purpose', '=', 'registrationConfirmed').execute();
    expect((await confirmed()).map((r) => r.recipient_key)).toEqual([`family:${byStaff.id}`]);

    expect((await api(h.baseUrl, 'POST', `/api/activities/${a.id}/registrations/${byStaff.id}/cancel`, { who: 'pm' })).body).toMatchObject({ promoted: [waiting.id] });
    await mailTo(h.mailbox, waiting.email, '报名成功');
    expect((await confirmed()).map((r) => r.recipient_key).sort()).toEqual([`family:${byStaff.id}`, `family:${waiting.id}`].sort());
  });
});
