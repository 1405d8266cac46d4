/**
 * The emails of spending points, in the recipient's language, their words from the locale's
 * catalog (i18n/ `points`): the coupon a family got at the counter (its code, where to use it,
 * until when, and a button to the family's own page) and a merchant's coupon-check link. One
 * plain-text part and one small inline-styled HTML part; every value is HTML-escaped here; dates
 * by i18n/format.ts (Beijing time).
 */
import type { Locale } from '../domain/schemas';
import type { CouponEmailMessage } from '../domain/emails';
import { catalogFor } from '../i18n';
import { formatDateTime, formatNumber } from '../i18n/format';
import { ACCENT, FONT, escapeHtml, oneLine, safeHref } from './html';
import type { RenderedEmail } from './messages';

interface Content {
  subject: string;
  heading: string;
  paragraphs: string[];
  details: [string, string][];
  button: { label: string; url: string };
  notes: string[];
}

function contentOf(m: CouponEmailMessage, locale: Locale): Content {
  const p = catalogFor(locale).spending;
  const when = (iso: string) => formatDateTime(iso, locale);
  if (m.purpose === 'couponIssued') {
    const s = p.couponMail;
    return {
      subject: s.subject(m.rewardName),
      heading: s.heading,
      paragraphs: [s.body(m.rewardName, formatNumber(m.points, locale)), m.merchantName ? s.atMerchant(m.merchantName) : s.atCounter],
      details: [
        [s.labels.reward, m.rewardName],
        [s.labels.code, m.couponCode],
        [s.labels.validUntil, when(m.expiresAt)],
        [s.labels.balance, formatNumber(m.balance, locale)],
      ],
      button: { label: s.button, url: m.familyPageUrl },
      notes: [s.show, s.pageExpires(when(m.familyPageExpiresAt))],
    };
  }
  const s = p.merchantMail;
  return { subject: s.subject, heading: s.heading, paragraphs: [s.body], details: [], button: { label: s.button, url: m.url }, notes: [s.expires(when(m.linkExpiresAt)), s.personal] };
}

/** Renders one points email. An unknown locale falls back to Simplified Chinese. */
export function renderCouponEmail(message: CouponEmailMessage, locale: Locale = 'zh-CN'): RenderedEmail {
  const catalog = catalogFor(locale);
  const chrome = catalog.spending.mailChrome;
  const c = contentOf(message, catalog.locale);
  const subject = oneLine(c.subject);
  const text =
    [
      chrome.greeting(message.recipientName),
      ...c.paragraphs,
      ...(c.details.length ? [c.details.map(([l, v]) => `${l}${chrome.colon}${oneLine(v)}`).join('\n')] : []),
      `${c.button.label}${chrome.colon.trimEnd()}\n${c.button.url}`,
      ...c.notes,
      `——\n${chrome.signature}`,
    ].join('\n\n') + '\n';
  const p = (t: string, style = '') => `<p style="margin:0 0 14px;${style}">${escapeHtml(t)}</p>`;
  const href = safeHref(c.button.url);
  const rows = c.details
    .map(([l, v]) => `<tr><td style="padding:6px 10px;color:#6b6b6b;white-space:nowrap;">${escapeHtml(l)}</td><td style="padding:6px 10px;color:#222;font-weight:bold;word-break:break-all;">${escapeHtml(v)}</td></tr>`)
    .join('');
  const html =
    `<!DOCTYPE html><html lang="${catalog.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f3efe6;"><div style="max-width:560px;margin:0 auto;padding:16px 12px;font-family:${FONT};font-size:16px;line-height:1.7;color:#222;">` +
    `<div style="background:#ffffff;border-radius:12px;padding:22px 18px;">` +
    `<h1 style="margin:0 0 16px;font-size:20px;line-height:1.4;color:${ACCENT};">${escapeHtml(c.heading)}</h1>` +
    p(chrome.greeting(message.recipientName)) +
    c.paragraphs.map((x) => p(x)).join('') +
    (rows ? `<table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;border-collapse:collapse;margin:0 0 16px;background:#faf6ee;border-radius:8px;font-size:15px;">${rows}</table>` : '') +
    (href !== undefined
      ? `<p style="margin:24px 0;text-align:center;"><a href="${escapeHtml(href)}" style="display:inline-block;padding:14px 32px;background:${ACCENT};color:#ffffff;font-size:18px;font-weight:bold;text-decoration:none;border-radius:8px;">${escapeHtml(c.button.label)}</a></p>` +
        `<p style="margin:0 0 14px;font-size:13px;color:#6b6b6b;word-break:break-all;">${escapeHtml(chrome.rawLink)}<br><a href="${escapeHtml(href)}" style="color:${ACCENT};">${escapeHtml(c.button.url)}</a></p>`
      : p(`${c.button.label}${chrome.colon}${c.button.url}`)) +
    c.notes.map((n) => p(n, 'font-size:14px;color:#555;')).join('') +
    `</div><p style="margin:14px 8px 0;font-size:12px;color:#8a8a8a;text-align:center;">${escapeHtml(chrome.signature)}</p></div></body></html>`;
  return { subject, text, html };
}
