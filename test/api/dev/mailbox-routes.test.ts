/**
 * The dev mailbox pages over real HTTP, with a real dev mailbox fed by the real SMTP mailer; and
 * the product's app mounting them only outside production.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createDevMailboxRouter } from '../../../api/dev/mailbox-routes';
import { startDevMailbox, type DevMailbox } from '../../../mail/dev-mailbox';
import { SmtpMailer } from '../../../mail/smtp-mailer';
import { startApiHarness, type ApiHarness } from '../harness';

describe('dev mailbox pages', () => {
  let mailbox: DevMailbox;
  let mailer: SmtpMailer;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    mailbox = await startDevMailbox({ port: 0 });
    mailer = new SmtpMailer({ host: '127.0.0.1', port: mailbox.port, secure: false, from: { name: '锦华社区', email: 'noreply@example.test' } });
    const app = express();
    app.use('/dev/mailbox', createDevMailboxRouter(mailbox));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dev/mailbox`;

    await mailer.send({
      to: { name: '李网格', email: 'gw@example.test' },
      subject: '第一封 <first>',
      text: 'plain one',
      html: '<p>one</p>',
      messageId: 'one@example.test',
    });
    await new Promise((r) => setTimeout(r, 20));
    await mailer.send({
      to: { name: 'Mallory', email: 'mallory@example.test' },
      subject: '<img src=x onerror=alert(1)>审批 "approval"',
      text: 'Approve: http://localhost:3000/a/abc <script>alert(2)</script>',
      html: '<html><head><title>t</title></head><body><a href="http://localhost:3000/a/abc">同意</a><script>alert(3)</script></body></html>',
      messageId: 'two@example.test',
    });
    await mailbox.waitFor((m) => m.messageId === 'two@example.test', 10_000);
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await mailer?.close();
    await mailbox?.close();
  });

  it('lists received messages newest first with time, recipient and subject, all escaped', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('开发邮箱 Dev mailbox');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;审批 &quot;approval&quot;');
    expect(html).not.toContain('<img src=x');
    expect(html.indexOf('mallory@example.test')).toBeLessThan(html.indexOf('gw@example.test'));
    expect(html).toMatch(/<td class="time">\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}<\/td>/);
  });

  it('shows one message: the text part escaped, the HTML part in a sandboxed iframe whose links open in a new tab', async () => {
    const second = mailbox.messages().find((m) => m.messageId === 'two@example.test')!;
    const res = await fetch(`${base}/messages/${second.id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Approve: http://localhost:3000/a/abc &lt;script&gt;alert(2)&lt;/script&gt;');
    const iframe = /<iframe ([^>]*)><\/iframe>/.exec(html)?.[1] ?? '';
    expect(iframe).toContain('sandbox="allow-popups allow-popups-to-escape-sandbox"');
    expect(iframe).not.toMatch(/allow-scripts|allow-same-origin/);
    const srcdoc = /srcdoc="([^"]*)"/.exec(iframe)?.[1] ?? '';
    expect(srcdoc).toContain('&lt;base target=&quot;_blank&quot;&gt;');
    expect(srcdoc).toContain('&lt;a href=&quot;http://localhost:3000/a/abc&quot;&gt;同意&lt;/a&gt;');
    // Outside the iframe's attribute, no markup of the email survives.
    expect(html.replace(/srcdoc="[^"]*"/, '')).not.toMatch(/<script|alert\(3\)/);
  });

  it('answers the messages as JSON at /dev/mailbox/messages.json, newest first', async () => {
    const res = await fetch(`${base}/messages.json`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { messages: { messageId: string; to: string[]; subject: string; text: string; html: string; rawPath?: string }[] };
    expect(body.messages.map((m) => m.messageId)).toEqual(['two@example.test', 'one@example.test']);
    expect(body.messages[1]).toMatchObject({ to: ['gw@example.test'], subject: '第一封 <first>', text: expect.stringContaining('plain one') });
    expect(body.messages[0]).not.toHaveProperty('rawPath');
  });

  it('answers 404 for a message it does not have, and for an id that is not one', async () => {
    expect((await fetch(`${base}/messages/0000000000000-deadbeef`)).status).toBe(404);
    const res = await fetch(`${base}/messages/${encodeURIComponent('<script>')}`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('<script>');
  });
});

describe('the dev mailbox in the product’s app (createApp)', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness({ worker: false });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('is served at /dev/mailbox outside production, and does not exist in production even when given', async () => {
    const devMailbox = createDevMailboxRouter(h.mailbox);
    const development = await h.startExtraApp({ devMailbox, config: { ...h.config, env: 'development' } });
    const production = await h.startExtraApp({ devMailbox, config: { ...h.config, env: 'production' } });
    try {
      const shown = await fetch(`${development.baseUrl}/dev/mailbox/messages.json`);
      expect(shown.status).toBe(200);
      expect(await shown.json()).toHaveProperty('messages');
      for (const path of ['/dev/mailbox', '/dev/mailbox/', '/dev/mailbox/messages.json']) {
        const res = await fetch(`${production.baseUrl}${path}`);
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
        expect(await res.json()).toMatchObject({ error: { code: 'NotFound' } });
      }
    } finally {
      await development.close();
      await production.close();
    }
  });
});
