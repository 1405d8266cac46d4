/**
 * Outcome evaluation's emails: a family's survey invitation and its one reminder, each with the
 * family's own signed link. Words from the locale's catalog (i18n/), times written by
 * i18n/format.ts in Beijing time; a plain-text part and a small inline-styled HTML part, every
 * value escaped. No answer ever appears in an email.
 */
import type { SurveyEmailMessage } from '../domain/emails';
import type { Locale } from '../domain/schemas';
import { catalogFor } from '../i18n';
import { formatDateTime } from '../i18n/format';
import { ACCENT, FONT, escapeHtml, oneLine, safeHref } from './html';
import type { RenderedEmail } from './messages';

export function renderSurveyEmail(message: SurveyEmailMessage, locale: Locale = 'zh-CN', nowMs: number = Date.now()): RenderedEmail {
  const catalog = catalogFor(locale);
  const s = catalog.surveys.mail;
  const when = (iso: string) => formatDateTime(iso, catalog.locale, undefined, nowMs);
  const subject = oneLine(s.subject(message.purpose, message.title));
  const intro = message.purpose === 'surveyReminder' ? s.reminderBody : s.body(message.kind, message.about);
  const lines = [s.greeting(message.recipientName), intro, s.closes(when(message.closesAt)), s.privacy];
  const text = [...lines, `${s.button}: ${message.url}`, s.linkExpires(when(message.linkExpiresAt)), s.personal, `——\n${s.signature}`].join('\n\n') + '\n';
  const p = (t: string, style = '') => `<p style="margin:0 0 14px;${style}">${escapeHtml(t)}</p>`;
  const href = safeHref(message.url);
  const button = href
    ? `<p style="margin:18px 0;"><a href="${escapeHtml(href)}" style="display:inline-block;background:${ACCENT};color:#fff;text-decoration:none;font-weight:bold;padding:12px 22px;border-radius:8px;">${escapeHtml(s.button)}</a></p>`
    : '';
  const html =
    `<!DOCTYPE html><html lang="${catalog.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f3efe6;"><div style="max-width:560px;margin:0 auto;padding:16px 12px;font-family:${FONT};font-size:16px;line-height:1.7;color:#222;">` +
    `<div style="background:#ffffff;border-radius:12px;padding:22px 18px;">` +
    `<h1 style="margin:0 0 16px;font-size:20px;line-height:1.4;color:${ACCENT};">${escapeHtml(message.title)}</h1>` +
    lines.map((l, i) => p(l, i === 3 ? 'font-size:14px;color:#555;' : '')).join('') +
    button +
    p(s.linkExpires(when(message.linkExpiresAt)), 'font-size:14px;color:#555;') +
    p(s.personal, 'font-size:14px;color:#555;') +
    p(s.rawLink, 'font-size:13px;color:#555;margin-bottom:4px;') +
    `<p style="margin:0 0 12px;font-size:13px;word-break:break-all;">${escapeHtml(message.url)}</p>` +
    `</div><p style="margin:14px 8px 0;font-size:12px;color:#8a8a8a;text-align:center;">${escapeHtml(s.signature)}</p></div></body></html>`;
  return { subject, text, html };
}
