import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { PermanentMailError, type OutgoingEmail } from '../../mail/mailer';
import { startDevMailbox, type DevMailbox } from '../../mail/dev-mailbox';
import { emailKey, messageIdFor } from '../../mail/message-id';
import { classifyMailError, MailSendError, SmtpMailer, smallerTransferEncoding } from '../../mail/smtp-mailer';
import { renderEmail } from '../../mail/templates';

const FROM = { name: '锦华社区三长共治专班', email: 'noreply@jinhua.example' };

function mailerFor(port: number): SmtpMailer {
  return new SmtpMailer({ host: '127.0.0.1', port, secure: false, from: FROM, connectionTimeoutMs: 5000 });
}

function outgoing(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  return {
    to: { name: '王芳', email: 'wangfang@example.org' },
    subject: 'test',
    text: 'text',
    html: '<p>html</p>',
    messageId: `${Math.random().toString(16).slice(2)}@jinhua.example`,
    ...overrides,
  };
}

/** An SMTP server that answers every RCPT TO with the given reply code. */
async function rejectingServer(responseCode: number): Promise<{ port: number; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    closeTimeout: 200,
    onRcptTo(_address, _session, callback) {
      callback(Object.assign(new Error('Recipient <wangfang@example.org> rejected'), { responseCode }));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A port nobody listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('SmtpMailer against the dev mailbox', () => {
  let dir: string;
  let box: DevMailbox;
  let mailer: SmtpMailer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smtp-mailer-test-'));
    box = await startDevMailbox({ port: 0, dir });
    mailer = mailerFor(box.port);
  });
  afterAll(async () => {
    await mailer.close();
    await box.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a Chinese subject, both parts and the given Message-ID', async () => {
    const rendered = renderEmail(
      {
        purpose: 'approvalRequest',
        recipientName: '王芳',
        activity: {
          activityId: 'A001',
          title: '邻里节·亲子运动会',
          theme: '邻里节',
          compound: '锦华一小区',
          startsAt: '2026-05-01T09:00:00+08:00',
          endsAt: '2026-05-01T11:30:00+08:00',
        },
        round: 1,
        decideBy: '2026-04-20T18:00:00+08:00',
        actionUrl: 'https://jinhua.example/a/payload.signature',
        capacity: 85,
        budget: 3200,
        description: '全家参加的运动会。',
      },
      'zh-CN',
    );
    const messageId = messageIdFor(
      emailKey({ workflowId: 'A001', purpose: 'approvalRequest', recipientKey: 'staff:gw-1', round: 1 }),
      'jinhua.example',
    );
    await mailer.send(outgoing({ ...rendered, messageId, headers: { 'X-Jinhua-Activity': 'A001' } }));

    const got = await box.waitFor((m) => m.messageId === messageId, 5000);
    expect(got.subject).toBe(rendered.subject);
    expect(got.subject).toContain('审批请求');
    expect(got.text.trim()).toBe(rendered.text.trim());
    expect(got.html.trim()).toBe(rendered.html.trim());
    expect(got.from).toBe(FROM.email);
    expect(got.to).toEqual(['wangfang@example.org']);

    const raw = readFileSync(got.rawPath as string, 'utf8');
    expect(raw).toContain(`\r\nMessage-ID: <${messageId}>\r\n`);
    expect(raw).toContain('\r\nX-Jinhua-Activity: A001\r\n');
    expect(raw).toContain('\r\nAuto-Submitted: auto-generated\r\n');
    expect(raw).toMatch(/Content-Type: multipart\/alternative/);
    // The subject is MIME-encoded on the wire, not raw UTF-8.
    expect(raw).not.toContain('审批请求');
    // A Chinese body goes as base64 (4/3 of a byte a byte), not quoted-printable (three a byte).
    expect(raw).toMatch(/Content-Type: text\/html[^\r]*\r\nContent-Transfer-Encoding: base64/);
    expect(raw).not.toMatch(/Content-Transfer-Encoding: quoted-printable/);
  });

  it('sends an English body as quoted-printable, whichever is smaller, and it arrives intact', async () => {
    const rendered = renderEmail(
      {
        purpose: 'approvalRequest',
        recipientName: 'Fang Wang',
        activity: { activityId: 'A002', title: 'Family sports day', theme: 'neighbourhood', compound: 'Compound 1', startsAt: '2026-05-01T09:00:00+08:00', endsAt: '2026-05-01T11:30:00+08:00' },
        round: 1,
        decideBy: '2026-04-20T18:00:00+08:00',
        actionUrl: 'https://jinhua.example/a/payload.signature',
        capacity: 85,
        budget: 3200,
        description: 'A sports day for the whole family.',
      },
      'en',
    );
    const messageId = 'english-body-1@jinhua.example';
    await mailer.send(outgoing({ ...rendered, messageId }));
    const got = await box.waitFor((m) => m.messageId === messageId, 5000);
    expect(got.html.trim()).toBe(rendered.html.trim());
    expect(got.text.trim()).toBe(rendered.text.trim());
    const raw = readFileSync(got.rawPath as string, 'utf8');
    expect(raw).toMatch(/Content-Type: text\/html[^\r]*\r\nContent-Transfer-Encoding: quoted-printable/);
    expect(smallerTransferEncoding(rendered.html)).toBe('quoted-printable');
    expect(smallerTransferEncoding('全家参加的运动会。'.repeat(20))).toBe('base64');
  });

  it('accepts a messageId already in angle brackets and ignores header overrides of its own fields', async () => {
    const id = 'bracketed-1@jinhua.example';
    await mailer.send(outgoing({ messageId: `<${id}>`, headers: { 'Message-ID': '<evil@attacker.example>', Subject: 'evil' } }));
    const got = await box.waitFor((m) => m.messageId === id, 5000);
    expect(got.subject).toBe('test');
    expect(readFileSync(got.rawPath as string, 'utf8')).not.toContain('evil');
  });

  it('refuses an invalid recipient address with PermanentMailError', async () => {
    await expect(mailer.send(outgoing({ to: { name: 'x', email: 'not-an-address' } }))).rejects.toBeInstanceOf(PermanentMailError);
    await expect(mailer.send(outgoing({ messageId: 'no-at-sign' }))).rejects.toBeInstanceOf(PermanentMailError);
  });
});

describe('SmtpMailer failures', () => {
  it('turns a 550 at RCPT TO into PermanentMailError, with the address redacted', async () => {
    const server = await rejectingServer(550);
    const mailer = mailerFor(server.port);
    try {
      const err = await mailer.send(outgoing()).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(PermanentMailError);
      expect((err as Error).message).toContain('550');
      expect((err as Error).message).not.toContain('wangfang@example.org');
    } finally {
      await mailer.close();
      await server.close();
    }
  });

  it('turns a 450 at RCPT TO into an ordinary, retryable error', async () => {
    const server = await rejectingServer(450);
    const mailer = mailerFor(server.port);
    try {
      const err = await mailer.send(outgoing()).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(MailSendError);
      expect(err).not.toBeInstanceOf(PermanentMailError);
      expect((err as MailSendError).responseCode).toBe(450);
    } finally {
      await mailer.close();
      await server.close();
    }
  });

  it('turns a refused connection into an ordinary, retryable error', async () => {
    const mailer = mailerFor(await closedPort());
    try {
      const err = await mailer.send(outgoing()).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(PermanentMailError);
      expect((err as MailSendError).responseCode).toBeUndefined();
    } finally {
      await mailer.close();
    }
  });

  it('classifies reply codes', () => {
    const smtp = (responseCode: number, code = 'EENVELOPE'): Error => Object.assign(new Error(`${responseCode} x`), { responseCode, code });
    expect(classifyMailError(smtp(552, 'EMESSAGE'))).toBeInstanceOf(PermanentMailError);
    expect(classifyMailError(smtp(554))).toBeInstanceOf(PermanentMailError);
    expect(classifyMailError(smtp(421))).not.toBeInstanceOf(PermanentMailError);
    expect(classifyMailError(smtp(503))).not.toBeInstanceOf(PermanentMailError);
    expect(classifyMailError(smtp(535, 'EAUTH'))).not.toBeInstanceOf(PermanentMailError);
    expect(classifyMailError(Object.assign(new Error('Invalid recipient'), { code: 'EENVELOPE' }))).toBeInstanceOf(PermanentMailError);
    expect(classifyMailError(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }))).not.toBeInstanceOf(PermanentMailError);
  });

  it('refuses to send after close', async () => {
    const mailer = mailerFor(await closedPort());
    await mailer.close();
    await expect(mailer.send(outgoing())).rejects.toThrow(/closed/);
  });
});
