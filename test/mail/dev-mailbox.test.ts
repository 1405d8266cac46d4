import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermanentMailError } from '../../mail/mailer';
import { startDevMailbox, type DevMailbox } from '../../mail/dev-mailbox';
import { SmtpMailer } from '../../mail/smtp-mailer';

const FROM = { name: 'Jinhua', email: 'noreply@jinhua.example' };

async function send(port: number, subject: string, to = 'family-f001@example.org', html = '<p>hi</p>'): Promise<void> {
  const mailer = new SmtpMailer({ host: '127.0.0.1', port, secure: false, from: FROM });
  try {
    await mailer.send({ to: { name: '李家', email: to }, subject, text: `text of ${subject}`, html, messageId: `${subject}@jinhua.example` });
  } finally {
    await mailer.close();
  }
}

describe('dev mailbox', () => {
  let dir: string;
  const boxes: DevMailbox[] = [];
  const start = async (options: Parameters<typeof startDevMailbox>[0]): Promise<DevMailbox> => {
    const box = await startDevMailbox(options);
    boxes.push(box);
    return box;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dev-mailbox-test-'));
  });
  afterEach(async () => {
    await Promise.all(boxes.splice(0).map((b) => b.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes each message as a raw .eml and loads them again after a restart', async () => {
    const first = await start({ port: 0, dir });
    expect(first.port).toBeGreaterThan(0);
    await send(first.port, 'msg-1');
    await send(first.port, 'msg-2', 'family-f002@example.org');

    const files = readdirSync(dir).filter((f) => f.endsWith('.eml')).sort();
    expect(files).toHaveLength(2);
    const raw = readFileSync(join(dir, files[0] as string), 'utf8');
    expect(raw).toContain('Message-ID: <msg-1@jinhua.example>');
    expect(raw).toContain('Delivered-To: family-f001@example.org');

    const before = first.messages();
    expect(before.map((m) => m.subject)).toEqual(['msg-1', 'msg-2']);
    await first.close();

    const second = await start({ port: 0, dir });
    const after = second.messages();
    expect(after.map((m) => ({ id: m.id, subject: m.subject, messageId: m.messageId, to: m.to, from: m.from, text: m.text, receivedAt: m.receivedAt }))).toEqual(
      before.map((m) => ({ id: m.id, subject: m.subject, messageId: m.messageId, to: m.to, from: m.from, text: m.text, receivedAt: m.receivedAt })),
    );
    expect(after[1]?.to).toEqual(['family-f002@example.org']);
  });

  it('calls onMessage for each message received', async () => {
    const seen: string[] = [];
    const box = await start({ port: 0, onMessage: (m) => seen.push(`${m.subject} -> ${m.to.join(',')}`) });
    await send(box.port, 'hello');
    expect(seen).toEqual(['hello -> family-f001@example.org']);
    const [got] = box.messages();
    expect(got?.text.trim()).toBe('text of hello');
    expect(got?.html).toBe('<p>hi</p>');
    expect(Date.parse(got?.receivedAt ?? '')).not.toBeNaN();
    // Kept in memory only when no folder is given.
    expect(got?.rawPath).toBeUndefined();
  });

  it('clear forgets messages and deletes its .eml files', async () => {
    const box = await start({ port: 0, dir });
    await send(box.port, 'to-clear');
    expect(box.messages()).toHaveLength(1);
    const path = box.messages()[0]?.rawPath as string;
    expect(existsSync(path)).toBe(true);
    box.clear();
    expect(box.messages()).toHaveLength(0);
    expect(existsSync(path)).toBe(false);
  });

  it('rejects a message over the size limit with a 5xx (PermanentMailError at the sender) and keeps nothing', async () => {
    const box = await start({ port: 0, dir, maxMessageBytes: 2000 });
    await expect(send(box.port, 'too-big', undefined, `<p>${'x'.repeat(5000)}</p>`)).rejects.toBeInstanceOf(PermanentMailError);
    expect(box.messages()).toHaveLength(0);
    expect(readdirSync(dir)).toHaveLength(0);
    await send(box.port, 'small');
    expect(box.messages().map((m) => m.subject)).toEqual(['small']);
  });
});
