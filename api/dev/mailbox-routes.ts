/**
 * Pages for the development mailbox (开发邮箱): what the product "sent" when no SMTP server is
 * configured. Mounted at /dev/mailbox by `npm start`, only while the mailbox runs.
 *
 *   GET /[?page=N]        the received messages, newest first, a page at a time (50 by default),
 *                         with how many the mailbox holds and how many it let go of
 *   GET /messages.json    the same as JSON (with text and HTML parts)
 *   GET /messages/:id     one message: headers, text part, and the HTML part in a sandboxed iframe
 *
 * Every value is escaped. The HTML part is shown through `srcdoc` in an iframe sandboxed without
 * `allow-scripts` or `allow-same-origin`: its links open in a new tab, its scripts never run and
 * it cannot reach this page or the app's cookies.
 */
import { Router, type Request, type Response } from 'express';
import type { DevMailbox, StoredMail } from '../../mail/dev-mailbox';
import { TIME_ZONE } from '../../i18n/format';
import { escapeHtml } from '../../mail/html';
import { raw } from '../http/html';
import { shell } from '../http/layout';

const ID = /^\d{13}-[0-9a-f]{8}$/;

/** Pages of their own: nothing loads from elsewhere, and no script runs at all. */
const CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data: http: https:',
  "frame-src 'self'",
  "frame-ancestors 'self'",
  "form-action 'none'",
].join('; ');

function newestFirst(mails: StoredMail[]): StoredMail[] {
  return [...mails].sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : a.id < b.id ? 1 : -1));
}

const timeFormat = new Intl.DateTimeFormat('sv-SE', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** `2026-05-01 09:00:00` Beijing time. */
function shownTime(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? timeFormat.format(new Date(ms)) : iso;
}

const STYLE =
  `body{margin:0;font-family:-apple-system,BlinkMacSystemFont,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',Helvetica,Arial,sans-serif;background:#f6f4ef;color:#222;}` +
  `main{max-width:1000px;margin:0 auto;padding:16px;}h1{font-size:20px;color:#b03a2e;}h2{font-size:16px;margin:20px 0 8px;}` +
  `table{width:100%;border-collapse:collapse;background:#fff;}th,td{padding:8px 10px;border-bottom:1px solid #e5e1d8;text-align:left;vertical-align:top;font-size:14px;}` +
  `th{background:#efebe2;font-weight:600;}td.time{white-space:nowrap;color:#555;}a{color:#b03a2e;}` +
  `pre{white-space:pre-wrap;word-break:break-word;background:#fff;padding:12px;border:1px solid #e5e1d8;font-size:14px;}` +
  `iframe{width:100%;height:70vh;border:1px solid #e5e1d8;background:#fff;}.muted{color:#777;font-size:13px;}` +
  `dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;background:#fff;padding:12px;border:1px solid #e5e1d8;font-size:14px;}dt{color:#666;}dd{margin:0;word-break:break-all;}`;

/** The shared page shell; `body` is already escaped by its builder. */
function page(title: string, body: string): string {
  return shell({ lang: 'zh-CN', title, style: STYLE, top: '', main: raw(`<main>${body}</main>`) });
}

function send(res: Response, status: number, html: string): void {
  res.status(status).set({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store' }).send(html);
}

/** Opens the HTML part's links in a new tab (a sandboxed frame may not navigate the page). */
function withBaseTarget(html: string): string {
  const base = '<base target="_blank">';
  return /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (m) => `${m}${base}`) : `${base}${html}`;
}

/** The default number of messages on one page of the list. */
export const MAILBOX_PAGE_SIZE = 50;
const PAGE = /^[1-9]\d{0,5}$/;

interface ListPage {
  /** This page's messages, newest first. */
  mails: StoredMail[];
  /** 1-based. */
  page: number;
  pages: number;
  /** Messages the mailbox holds, and the position of this page's first one (0-based). */
  total: number;
  first: number;
  /** Older messages the mailbox no longer holds. */
  dropped: number;
}

function pageHref(base: string, page: number): string {
  return page === 1 ? `${base}/` : `${base}/?page=${page}`;
}

function pager(base: string, p: ListPage): string {
  if (p.pages <= 1) return '';
  const newer = p.page > 1 ? `<a href="${escapeHtml(pageHref(base, p.page - 1))}" rel="prev">← 较新 Newer</a>` : '';
  const older = p.page < p.pages ? `<a href="${escapeHtml(pageHref(base, p.page + 1))}" rel="next">较早 Older →</a>` : '';
  return `<p class="pager">${[newer, `第 ${p.page} / ${p.pages} 页 Page ${p.page} of ${p.pages}`, older].filter(Boolean).join(' · ')}</p>`;
}

function listPage(base: string, p: ListPage): string {
  const { mails } = p;
  const rows = mails
    .map(
      (m) =>
        `<tr><td class="time">${escapeHtml(shownTime(m.receivedAt))}</td>` +
        `<td>${escapeHtml(m.to.join(', '))}</td>` +
        `<td><a href="${escapeHtml(`${base}/messages/${m.id}`)}">${escapeHtml(m.subject || '(无主题 no subject)')}</a></td></tr>`,
    )
    .join('');
  const table =
    mails.length === 0
      ? `<p>还没有邮件。 No messages yet.</p>`
      : `<table><thead><tr><th>时间 Time</th><th>收件人 To</th><th>主题 Subject</th></tr></thead><tbody>${rows}</tbody></table>`;
  return page(
    '开发邮箱 Dev mailbox',
    `<h1>开发邮箱 Dev mailbox</h1>` +
      `<p class="muted">本机开发用的收件箱：系统发出的邮件都在这里，不会真正寄出。时间为北京时间。 ` +
      `Every email the product sends in development lands here; nothing leaves this machine. Times are Beijing time.</p>` +
      `<p><a href="${escapeHtml(pageHref(base, p.page))}">刷新 Refresh</a> · <a href="${escapeHtml(base)}/messages.json">JSON</a></p>` +
      `<p class="count">共 ${p.total} 封${p.total > 0 ? `，显示第 ${p.first + 1}–${p.first + mails.length} 封` : ''}。 ` +
      `${p.total} messages${p.total > 0 ? `, showing ${p.first + 1}–${p.first + mails.length} of ${p.total}` : ''}.</p>` +
      (p.dropped > 0
        ? `<p class="muted">另有 ${p.dropped} 封更早的邮件超出了邮箱在内存中保留的数量，不在此列出（邮箱有保存目录时，它们的 .eml 文件仍在目录中）。 ` +
          `${p.dropped} older messages are beyond what the mailbox keeps in memory and are not listed (their .eml files stay in its directory, if it has one).</p>`
        : '') +
      pager(base, p) +
      table +
      pager(base, p),
  );
}

function messagePage(base: string, m: StoredMail): string {
  const html = m.html
    ? `<iframe title="HTML" sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" srcdoc="${escapeHtml(withBaseTarget(m.html))}"></iframe>`
    : `<p class="muted">没有 HTML 部分。 No HTML part.</p>`;
  return page(
    `${m.subject} · 开发邮箱 Dev mailbox`,
    `<p><a href="${escapeHtml(base)}/">← 返回列表 Back to the list</a></p>` +
      `<h1>${escapeHtml(m.subject || '(无主题 no subject)')}</h1>` +
      `<dl>` +
      `<dt>时间 Time</dt><dd>${escapeHtml(shownTime(m.receivedAt))}</dd>` +
      `<dt>发件人 From</dt><dd>${escapeHtml(m.from)}</dd>` +
      `<dt>收件人 To</dt><dd>${escapeHtml(m.to.join(', '))}</dd>` +
      `<dt>Message-ID</dt><dd>${escapeHtml(m.messageId)}</dd>` +
      `</dl>` +
      `<h2>纯文本 Text part</h2><pre>${escapeHtml(m.text)}</pre>` +
      `<h2>HTML 版本 HTML part</h2><p class="muted">脚本已禁用，链接在新标签页打开。 Scripts are disabled; links open in a new tab.</p>${html}`,
  );
}

/** The JSON form of a message: everything but where the file lies on disk. */
function asJson(m: StoredMail): Omit<StoredMail, 'rawPath'> {
  const { rawPath: _rawPath, ...rest } = m;
  return rest;
}

export function createDevMailboxRouter(mailbox: Pick<DevMailbox, 'messages' | 'dropped'>, options: { pageSize?: number } = {}): Router {
  const router = Router();
  const pageSize = options.pageSize ?? MAILBOX_PAGE_SIZE;

  router.get('/', (req: Request, res: Response) => {
    const base = req.baseUrl;
    const asked = req.query.page;
    if (asked !== undefined && (typeof asked !== 'string' || !PAGE.test(asked))) {
      send(res, 400, page('页码无效 Bad page', `<h1>页码无效 Bad page</h1><p>page 必须是从 1 开始的整数。 The page parameter must be a whole number from 1.</p><p><a href="${escapeHtml(base)}/">← 第一页 First page</a></p>`));
      return;
    }
    const all = newestFirst(mailbox.messages());
    const pages = Math.max(1, Math.ceil(all.length / pageSize));
    const n = asked === undefined ? 1 : Number(asked);
    if (n > pages) {
      send(
        res,
        404,
        page(
          '没有这一页 No such page',
          `<h1>没有这一页 No such page</h1><p>邮箱现有 ${all.length} 封邮件，共 ${pages} 页。 The mailbox holds ${all.length} messages on ${pages} pages.</p><p><a href="${escapeHtml(pageHref(base, pages))}">→ 最后一页 Last page</a></p>`,
        ),
      );
      return;
    }
    const first = (n - 1) * pageSize;
    send(res, 200, listPage(base, { mails: all.slice(first, first + pageSize), page: n, pages, total: all.length, first, dropped: mailbox.dropped() }));
  });

  router.get('/messages.json', (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').json({ messages: newestFirst(mailbox.messages()).map(asJson) });
  });

  router.get('/messages/:id', (req: Request, res: Response) => {
    const id = String(req.params.id ?? '');
    const mail = ID.test(id) ? mailbox.messages().find((m) => m.id === id) : undefined;
    if (!mail) {
      send(
        res,
        404,
        page('未找到 Not found', `<h1>未找到这封邮件 Message not found</h1><p><a href="${escapeHtml(req.baseUrl)}/">← 返回列表 Back to the list</a></p>`),
      );
      return;
    }
    send(res, 200, messagePage(req.baseUrl, mail));
  });

  return router;
}
