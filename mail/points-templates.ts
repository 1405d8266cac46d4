/**
 * The growth points' own emails (not an activity's): the month-ahead notice that a family's points
 * will expire. Words from the locale's catalog (i18n/), the last day written by i18n/format.ts in
 * Beijing time; one plain-text part and one small inline-styled HTML part, every value escaped.
 */
import type { PointsExpiringMessage } from '../domain/emails';
import type { Locale } from '../domain/schemas';
import { catalogFor } from '../i18n';
import { datePartsAt, formatCalendarDay, formatNumber } from '../i18n/format';
import { ACCENT, FONT, escapeHtml, oneLine } from './html';
import type { RenderedEmail } from './messages';

/**
 * The last day the points can be used, `YYYY-MM-DD` in Beijing: the day before the expiry instant
 * (a local midnight), so the email says "until 31 December", not "until 1 January 00:00".
 */
export function lastDayBefore(expiresAt: string): string {
  const p = datePartsAt(Date.parse(expiresAt) - 1);
  const two = (n: string) => n.padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)}`;
}

/** Renders the expiry notice in the family's language (unknown: Simplified Chinese). */
export function renderPointsExpiring(message: PointsExpiringMessage, locale: Locale = 'zh-CN', nowMs: number = Date.now()): RenderedEmail {
  const catalog = catalogFor(locale);
  const s = catalog.pointsMail;
  const points = formatNumber(message.points, catalog.locale);
  const lastDay = formatCalendarDay(lastDayBefore(message.expiresAt), catalog.locale, nowMs);
  const subject = oneLine(s.expiringSubject(points, lastDay));
  const lines = [s.greeting(message.recipientName), s.expiringBody(points, lastDay), s.balance(formatNumber(message.balance, catalog.locale)), s.howToUse, ...(message.familyPageUrl ? [s.familyPage(message.familyPageUrl)] : [])];
  const text = [...lines, `——\n${s.signature}`].join('\n\n') + '\n';
  const p = (t: string, style = '') => `<p style="margin:0 0 14px;${style}">${escapeHtml(t)}</p>`;
  const html =
    `<!DOCTYPE html><html lang="${catalog.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f3efe6;"><div style="max-width:560px;margin:0 auto;padding:16px 12px;font-family:${FONT};font-size:16px;line-height:1.7;color:#222;">` +
    `<div style="background:#ffffff;border-radius:12px;padding:22px 18px;">` +
    `<h1 style="margin:0 0 16px;font-size:20px;line-height:1.4;color:${ACCENT};">${escapeHtml(subject)}</h1>` +
    p(lines[0]!) +
    p(lines[1]!, 'font-weight:bold;') +
    p(lines[2]!) +
    p(lines[3]!, 'font-size:14px;color:#555;') +
    (message.familyPageUrl ? `<p style="margin:0 0 12px;"><a href="${escapeHtml(message.familyPageUrl)}">${escapeHtml(s.familyPage(''))}</a></p>` : '') +
    `</div><p style="margin:14px 8px 0;font-size:12px;color:#8a8a8a;text-align:center;">${escapeHtml(s.signature)}</p></div></body></html>`;
  return { subject, text, html };
}
