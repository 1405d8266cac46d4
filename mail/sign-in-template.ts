/**
 * The staff sign-in email: one button to the sign-in page, the link's expiry, and what to do if
 * the person did not ask for it. Simplified Chinese (default) and English; values HTML-escaped.
 */
import type { Locale } from '../domain/schemas';
import type { RenderedEmail } from './messages';
import { TIME_ZONE, escapeHtml } from './format';

export interface SignInEmail {
  recipientName: string;
  /** The page that shows the "sign in" button; opening it signs no one in. */
  signInUrl: string;
  /** ISO-8601 instant the link stops working. */
  expiresAt: string;
}

interface Strings {
  lang: string;
  subject: string;
  greeting: (name: string) => string;
  body: (minutes: number, until: string) => string;
  button: string;
  rawLink: string;
  ignore: string;
  signature: string;
  when: (iso: string) => string;
}

const zhTime = new Intl.DateTimeFormat('zh-CN', { timeZone: TIME_ZONE, month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const enTime = new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

const STRINGS: Record<Locale, Strings> = {
  'zh-CN': {
    lang: 'zh-CN',
    subject: '锦华社区协调工作台登录链接',
    greeting: (name) => `${name}，您好：`,
    body: (minutes, until) => `请点击下面的按钮登录协调工作台。链接 ${minutes} 分钟内有效（至北京时间 ${until}），只能使用一次。`,
    button: '登录工作台',
    rawLink: '如果按钮无法点击，请复制以下链接到浏览器打开：',
    ignore: '如果不是您本人申请登录，请忽略这封邮件，您的账号不会有任何变化。',
    signature: '锦华社区三长共治专班',
    when: (iso) => zhTime.format(new Date(iso)),
  },
  en: {
    lang: 'en',
    subject: 'Your sign-in link to the Jinhua coordinator dashboard',
    greeting: (name) => `Dear ${name},`,
    body: (minutes, until) => `Press the button below to sign in to the coordinator dashboard. The link works once, for ${minutes} minutes (until ${until}, Beijing time).`,
    button: 'Sign in',
    rawLink: 'If the button does not work, copy this link into your browser:',
    ignore: 'If you did not ask to sign in, ignore this email; nothing changes on your account.',
    signature: 'Jinhua Community Three-Heads Co-governance Team',
    when: (iso) => enTime.format(new Date(iso)),
  },
};

/** Renders the sign-in email in the staff member's language (unknown: Simplified Chinese). */
export function renderSignInEmail(message: SignInEmail, locale: Locale, nowMs: number = Date.now()): RenderedEmail {
  const s = STRINGS[locale] ?? STRINGS['zh-CN'];
  const minutes = Math.max(1, Math.round((Date.parse(message.expiresAt) - nowMs) / 60_000));
  const body = s.body(minutes, s.when(message.expiresAt));
  const text = [s.greeting(message.recipientName), body, `${s.button}:\n${message.signInUrl}`, s.ignore, `——\n${s.signature}`].join('\n\n') + '\n';
  const url = escapeHtml(message.signInUrl);
  const p = (t: string, style = '') => `<p style="margin:0 0 14px;${style}">${escapeHtml(t)}</p>`;
  const html =
    `<!DOCTYPE html><html lang="${s.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(s.subject)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f3efe6;"><div style="max-width:560px;margin:0 auto;padding:16px 12px;font-family:-apple-system,BlinkMacSystemFont,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',Helvetica,Arial,sans-serif;font-size:16px;line-height:1.7;color:#222;">` +
    `<div style="background:#ffffff;border-radius:12px;padding:22px 18px;">` +
    `<h1 style="margin:0 0 16px;font-size:20px;line-height:1.4;color:#b03a2e;">${escapeHtml(s.subject)}</h1>` +
    p(s.greeting(message.recipientName)) +
    p(body) +
    `<p style="margin:24px 0;text-align:center;"><a href="${url}" style="display:inline-block;padding:14px 32px;background:#b03a2e;color:#ffffff;font-size:18px;font-weight:bold;text-decoration:none;border-radius:8px;">${escapeHtml(s.button)}</a></p>` +
    `<p style="margin:0 0 14px;font-size:13px;color:#6b6b6b;word-break:break-all;">${escapeHtml(s.rawLink)}<br><a href="${url}" style="color:#b03a2e;">${url}</a></p>` +
    p(s.ignore, 'font-size:14px;color:#555;') +
    `</div><p style="margin:14px 8px 0;font-size:12px;color:#8a8a8a;text-align:center;">${escapeHtml(s.signature)}</p></div></body></html>`;
  return { subject: s.subject, text, html };
}
