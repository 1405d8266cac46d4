/**
 * The incubation cycle's emails (a milestone is due soon, a milestone is overdue, the cycle's
 * report is ready) in the recipient's language, their words from the locale's catalog (i18n/).
 * One plain-text part and one small inline-styled HTML part; every value is HTML-escaped here.
 * Times are shown in Asia/Shanghai (i18n/format.ts).
 */
import type { Locale } from '../domain/schemas';
import type { CycleEmailMessage } from '../domain/emails';
import { catalogFor } from '../i18n';
import type { CycleEmailContent, CycleEmailKit } from '../i18n/catalog';
import { formatCny, formatDateTime } from '../i18n/format';
import { ACCENT, FONT, escapeHtml, oneLine, safeHref } from './html';
import type { RenderedEmail } from './messages';

/** Renders one cycle email. An unknown locale falls back to Simplified Chinese. */
export function renderCycleEmail(message: CycleEmailMessage, locale: Locale = 'zh-CN'): RenderedEmail {
  const catalog = catalogFor(locale);
  const s = catalog.cycleMail;
  const kit: CycleEmailKit = { when: (iso) => formatDateTime(iso, catalog.locale), money: (yuan) => formatCny(yuan, catalog.locale) };
  const build = s.build[message.purpose] as (m: CycleEmailMessage, k: CycleEmailKit) => CycleEmailContent;
  const c = build(message, kit);
  const subject = oneLine(c.subject);

  const text =
    [
      s.greeting(message.recipientName),
      ...c.paragraphs,
      c.details.map(([label, value]) => `${label}${s.colon}${value}`).join('\n'),
      `${c.link.label}${s.colon.trimEnd()}\n${c.link.url}`,
      `——\n${s.signature}\n${s.footer}`,
    ].join('\n\n') + '\n';

  const href = safeHref(c.link.url);
  const rows = c.details
    .map(
      ([label, value]) =>
        `<tr><td style="padding:4px 12px 4px 0;color:#666;white-space:nowrap;vertical-align:top;">${escapeHtml(label)}</td><td style="padding:4px 0;">${escapeHtml(value)}</td></tr>`,
    )
    .join('');
  const button =
    href === undefined
      ? `<p style="margin:20px 0;">${escapeHtml(c.link.label)}${escapeHtml(s.colon)}${escapeHtml(c.link.url)}</p>`
      : `<p style="margin:24px 0;text-align:center;"><a href="${escapeHtml(href)}" style="display:inline-block;background:${ACCENT};color:#ffffff;text-decoration:none;border-radius:8px;padding:12px 22px;font-weight:bold;">${escapeHtml(c.link.label)}</a></p>`;
  const html =
    `<!DOCTYPE html><html lang="${catalog.locale}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f3efe6;">` +
    `<div style="max-width:600px;margin:0 auto;padding:16px 12px;font-family:${FONT};font-size:16px;line-height:1.7;color:#222;">` +
    `<div style="background:#ffffff;border-radius:12px;padding:22px 18px;">` +
    `<h1 style="margin:0 0 16px;font-size:20px;line-height:1.4;color:${ACCENT};">${escapeHtml(c.heading)}</h1>` +
    `<p style="margin:0 0 14px;">${escapeHtml(s.greeting(message.recipientName))}</p>` +
    c.paragraphs.map((p) => `<p style="margin:0 0 14px;">${escapeHtml(p)}</p>`).join('') +
    `<table style="border-collapse:collapse;margin:8px 0 4px;font-size:15px;">${rows}</table>` +
    button +
    `</div>` +
    `<p style="margin:14px 8px 0;font-size:12px;line-height:1.6;color:#8a8a8a;text-align:center;">${escapeHtml(s.signature)}<br>${escapeHtml(s.footer)}</p>` +
    `</div></body></html>`;
  return { subject, text, html };
}
