/**
 * A single send (the API's own emails, the digest, the cycle's, the expiry notices) is at least
 * once, honestly (issue 14, item 5), on SQLite and PostgreSQL, through the real SMTP mailer and a
 * real relay this test controls:
 * - the claim carries a lease: while one sender holds it, a second sender and the retrier leave
 *   the row alone (nothing goes twice);
 * - the message is kept in the row before it goes to the relay: a sender killed (`kill -9`, a
 *   process of its own: test/mail/single-send-child.ts) while the relay holds the answer leaves
 *   a row the retrier sends once the lease lapses, with the first try's Message-ID, once.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { SqlActivityStore } from '../../db/store';
import { retryDueEmails } from '../../mail/email-retrier';
import { messageIdFor } from '../../mail/message-id';
import { SINGLE_SEND_LEASE_MS, deliverRecorded, type Delivery, type OnceEmail } from '../../mail/outbox';
import { SmtpMailer } from '../../mail/smtp-mailer';
import { DIALECTS, uniq, useTestDatabase } from '../db/harness';
import { ControllableRelay } from '../activities/controllable-relay';
import { eventually } from '../support/app-harness';

describe.each(DIALECTS)('a single send with a lease (%s)', (dialect) => {
  const t = useTestDatabase(dialect);
  const relay = new ControllableRelay();
  let mailer: SmtpMailer;

  beforeAll(async () => {
    await relay.up();
    mailer = new SmtpMailer({ host: '127.0.0.1', port: relay.port, secure: false, from: { name: '锦华社区', email: 'noreply@example.test' }, connectionTimeoutMs: 2_000 });
  });

  afterAll(async () => {
    await mailer?.close();
    await relay.down();
  });

  afterEach(() => {
    relay.hold = false;
    relay.release();
  });

  const emailFor = (key: string): OnceEmail => ({
    key,
    scopeId: 'lease-test',
    purpose: 'registrationLink',
    recipient: { key: 'family:lease', name: '租约户', email: `lease-${dialect}@example.test`, locale: 'zh-CN' },
    render: () => ({ subject: '报名链接', text: '您的报名链接', html: '<p>您的报名链接</p>' }),
  });
  const deps = () => ({ store: new SqlActivityStore(t.db), mailer, messageIdDomain: 'example.test', retryDelaysMs: [1_000] });
  const row = (key: string) => t.db.selectFrom('email_outbox').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
  const acceptedWith = (key: string) => relay.accepted.filter((a) => a.messageId === messageIdFor(key, 'example.test'));

  test('while one send holds the row, a second send and the retrier send nothing; the first is marked the moment the relay answers', async () => {
    const key = uniq('lease-live');
    relay.hold = true;
    const first = deliverRecorded(deps(), emailFor(key));
    await eventually(async () => (relay.held.length === 1 ? true : undefined), 10_000, 'the first send at the relay');

    expect(await deliverRecorded(deps(), emailFor(key))).toBe('retrying');
    const round = await retryDueEmails({ ...deps(), owner: 'retrier-live', now: () => Date.now() + SINGLE_SEND_LEASE_MS - 5_000 });
    expect(round).toEqual({ sent: 0, retrying: 0, refused: 0 });
    expect(relay.held).toHaveLength(1);

    relay.release();
    expect(await first).toBe<Delivery>('sent');
    expect(acceptedWith(key)).toHaveLength(1);
    expect(await row(key)).toMatchObject({ status: 'sent', retry_email: null });
    // Sent is final: neither a later send nor the retrier after the lease sends it again.
    expect(await deliverRecorded(deps(), emailFor(key))).toBe('alreadySent');
    expect(await retryDueEmails({ ...deps(), owner: 'retrier-late', now: () => Date.now() + 2 * SINGLE_SEND_LEASE_MS })).toEqual({ sent: 0, retrying: 0, refused: 0 });
    expect(acceptedWith(key)).toHaveLength(1);
  });

  test('a sender killed before the relay answers leaves its message: the retrier sends it after the lease, same Message-ID, once', async () => {
    const key = uniq('lease-dead');
    relay.hold = true;
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'single-send-child.ts')], {
      env: { ...process.env, LEASE_DB_URL: t.url, LEASE_RELAY_PORT: String(relay.port), LEASE_KEY: key, LEASE_TO: `lease-${dialect}@example.test` },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await eventually(async () => (relay.held.length === 1 ? true : undefined), 30_000, 'the send at the relay');
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    relay.hold = false;
    relay.held.splice(0); // never answered: its sender is gone

    const parked = await row(key);
    expect(parked).toMatchObject({ status: 'pending', delivery: null });
    expect(parked.retry_email).toContain(messageIdFor(key, 'example.test'));
    // Lease still live: the retrier leaves it (for all it knows the sender is still sending).
    expect(await retryDueEmails({ ...deps(), owner: 'retrier', now: () => Date.now() })).toEqual({ sent: 0, retrying: 0, refused: 0 });

    const round = await retryDueEmails({ ...deps(), owner: 'retrier', now: () => Date.now() + SINGLE_SEND_LEASE_MS + 1_000 });
    expect(round.sent).toBe(1);
    expect(acceptedWith(key)).toHaveLength(1);
    expect(await row(key)).toMatchObject({ status: 'sent', message_id: messageIdFor(key, 'example.test'), retry_email: null });
    expect(await retryDueEmails({ ...deps(), owner: 'retrier', now: () => Date.now() + 3 * SINGLE_SEND_LEASE_MS })).toEqual({ sent: 0, retrying: 0, refused: 0 });
    expect(acceptedWith(key)).toHaveLength(1);
  });
});
