/**
 * A process that makes one single send and is killed while the relay holds the answer
 * (test/mail/single-send-lease.test.ts): the real outbox, the real SMTP mailer, its own database
 * connection. Env: LEASE_DB_URL, LEASE_RELAY_PORT, LEASE_KEY, LEASE_TO.
 */
import { createDatabase } from '../../db/database';
import { SqlActivityStore } from '../../db/store';
import { deliverRecorded } from '../../mail/outbox';
import { SmtpMailer } from '../../mail/smtp-mailer';

async function main(): Promise<void> {
  const db = createDatabase({ url: process.env.LEASE_DB_URL! });
  const mailer = new SmtpMailer({ host: '127.0.0.1', port: Number(process.env.LEASE_RELAY_PORT), secure: false, from: { name: '锦华社区', email: 'noreply@example.test' } });
  await deliverRecorded(
    { store: new SqlActivityStore(db), mailer, messageIdDomain: 'example.test' },
    {
      key: process.env.LEASE_KEY!,
      scopeId: 'lease-test',
      purpose: 'registrationLink',
      recipient: { key: 'family:lease', name: '租约户', email: process.env.LEASE_TO!, locale: 'zh-CN' },
      render: () => ({ subject: '报名链接', text: '您的报名链接', html: '<p>您的报名链接</p>' }),
    },
  );
  await mailer.close();
  await db.destroy();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
