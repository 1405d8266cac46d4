/**
 * The dev mailbox's list pages through its messages and says how many it holds, and how many
 * older ones it let go of: a real mailbox (its messages loaded from .eml files, as after a restart)
 * behind the real pages over real HTTP.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { createDevMailboxRouter, MAILBOX_PAGE_SIZE } from '../../../api/dev/mailbox-routes';
import { startDevMailbox, type DevMailbox } from '../../../mail/dev-mailbox';

const T0 = Date.parse('2026-05-01T01:00:00Z');
const padded = (n: number) => String(n).padStart(3, '0');

/** A directory of `count` messages, "message 001" the oldest, one second apart. */
function mailDir(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'cogov-mailbox-'));
  for (let i = 1; i <= count; i++) {
    const id = `${String(T0 + i * 1000).padStart(13, '0')}-${i.toString(16).padStart(8, '0')}`;
    writeFileSync(join(dir, `${id}.eml`), `From: noreply@example.test\r\nTo: pm@example.test\r\nSubject: message ${padded(i)}\r\nMessage-ID: <m${i}@example.test>\r\n\r\nbody ${i}\r\n`);
  }
  return dir;
}

async function serve(mailbox: DevMailbox): Promise<{ base: string; server: Server }> {
  const app = express();
  app.use('/dev/mailbox', createDevMailboxRouter(mailbox));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dev/mailbox`, server };
}

const subjects = (html: string) => [...html.matchAll(/>message (\d{3})</g)].map((m) => Number(m[1]));

describe('dev mailbox paging', () => {
  const dirs: string[] = [];
  const boxes: DevMailbox[] = [];
  const servers: Server[] = [];

  afterAll(async () => {
    for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
    for (const b of boxes) await b.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function start(count: number, maxMessages?: number): Promise<string> {
    const dir = mailDir(count);
    dirs.push(dir);
    const box = await startDevMailbox({ port: 0, dir, ...(maxMessages ? { maxMessages } : {}) });
    boxes.push(box);
    const { base, server } = await serve(box);
    servers.push(server);
    return base;
  }

  it(`shows ${MAILBOX_PAGE_SIZE} messages a page, newest first, says how many it holds and which are shown, and links the pages`, async () => {
    const total = MAILBOX_PAGE_SIZE + 5;
    const base = await start(total);

    const first = await fetch(`${base}/`);
    expect(first.status).toBe(200);
    const one = await first.text();
    expect(subjects(one)).toEqual(Array.from({ length: MAILBOX_PAGE_SIZE }, (_, i) => total - i));
    expect(one).toContain(`共 ${total} 封，显示第 1–${MAILBOX_PAGE_SIZE} 封`);
    expect(one).toContain(`showing 1–${MAILBOX_PAGE_SIZE} of ${total}`);
    expect(one).toContain('第 1 / 2 页 Page 1 of 2');
    expect(one).toContain('href="/dev/mailbox/?page=2" rel="next"');
    expect(one).not.toContain('rel="prev"');
    expect(one).not.toContain('另有');

    const second = await (await fetch(`${base}/?page=2`)).text();
    expect(subjects(second)).toEqual([5, 4, 3, 2, 1]);
    expect(second).toContain(`showing ${MAILBOX_PAGE_SIZE + 1}–${total} of ${total}`);
    expect(second).toContain('href="/dev/mailbox/" rel="prev"');
    expect(second).not.toContain('rel="next"');
  });

  it('a page past the last is a 404 naming how many pages there are; a page that is not a number is a 400', async () => {
    const base = await start(3);
    const past = await fetch(`${base}/?page=2`);
    expect(past.status).toBe(404);
    expect(await past.text()).toContain('The mailbox holds 3 messages on 1 pages');
    for (const bad of ['0', 'abc', '-1', '1.5']) {
      const res = await fetch(`${base}/?page=${bad}`);
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
      expect(await res.text()).toContain('The page parameter must be a whole number from 1');
    }
    // One page is no pager.
    expect(await (await fetch(`${base}/`)).text()).not.toContain('Page 1 of');
  });

  it('says how many older messages it no longer holds, instead of hiding them', async () => {
    const base = await start(7, 4);
    const page = await (await fetch(`${base}/`)).text();
    expect(subjects(page)).toEqual([7, 6, 5, 4]);
    expect(page).toContain('共 4 封，显示第 1–4 封');
    expect(page).toContain('另有 3 封更早的邮件');
    expect(page).toContain('3 older messages are beyond what the mailbox keeps');
  });
});
