/**
 * Every activity email the product sends, in the recipient's language.
 *
 * Each purpose's builder (in the locale's catalog, i18n/) makes an `EmailContent` (plain strings
 * only); one renderer here turns it into the plain-text part and a small inline-styled HTML part.
 * Every value is HTML-escaped by the renderer, so no builder writes markup. Times are shown in
 * Asia/Shanghai (i18n/format.ts).
 *
 * Action emails (venue request, approval, supervision feedback) say that the button opens a page
 * where the person confirms, that nothing happens on the click alone, and when the link expires.
 */
import type { Locale } from '../domain/schemas';
import type { EmailMessage } from '../domain/emails';
import { CATALOGS, catalogFor } from '../i18n';
import type { EmailContent, EmailKit, EmailProse } from '../i18n/catalog';
import { formatCny, formatDateRange, formatDateTime, formatNumber } from '../i18n/format';
import { ACCENT, FONT, escapeHtml, oneLine, safeHref } from './html';
import type { RenderEmail, RenderedEmail } from './messages';
import { QR_CARD_CID } from './qr-card';

export { escapeHtml };

function leadParts(ms: number): [number, 'day' | 'hour' | 'minute'] {
  const minute = 60_000;
  const hour = 60 * minute;
  const day = 24 * hour;
  if (ms >= day && ms % day === 0) return [ms / day, 'day'];
  if (ms >= hour && ms % hour === 0) return [ms / hour, 'hour'];
  if (ms >= day) return [Math.round(ms / day), 'day'];
  if (ms >= hour) return [Math.round(ms / hour), 'hour'];
  return [Math.max(1, Math.round(ms / minute)), 'minute'];
}

function kitFor(locale: Locale, s: EmailProse): EmailKit {
  const when = (iso: string): string => formatDateTime(iso, locale);
  const kit: EmailKit = {
    when,
    range: (startIso, endIso) => formatDateRange(startIso, endIso, locale),
    lead(ms) {
      const [n, unit] = leadParts(ms);
      return s.lead(n, unit);
    },
    num: (n) => formatNumber(n, locale),
    money: (yuan) => formatCny(yuan, locale),
    q: (title) => s.quote(title),
    activity(a) {
      const rows: [string, string][] = [
        [s.labels.activity, a.title],
        [s.labels.theme, a.theme],
        [s.labels.compound, a.compound],
        [s.labels.time, kit.range(a.startsAt, a.endsAt)],
      ];
      if (a.venueName) rows.push([s.labels.venue, a.venueName]);
      return rows;
    },
    actionNotes(choices, expiresIso, untilRoundCloses = false) {
      const expiry = expiresIso !== undefined ? s.expires(when(expiresIso)) : untilRoundCloses ? s.expiresWithRound : undefined;
      return [s.confirm(choices), ...(expiry ? [expiry] : []), s.personal];
    },
  };
  return kit;
}

const KITS = new Map<Locale, EmailKit>((Object.keys(CATALOGS) as Locale[]).map((l) => [l, kitFor(l, catalogFor(l).mail)]));

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/** Escaped, with line breaks kept. */
function htmlText(value: string): string {
  return escapeHtml(value).replace(/\r\n|\r|\n/g, '<br>');
}

function renderText(c: EmailContent, s: EmailProse, name: string): string {
  const blocks: string[] = [s.greeting(name), ...c.paragraphs];
  if (c.details.length > 0) blocks.push(c.details.map(([l, v]) => `${l}${s.colon}${oneLine(v)}`).join('\n'));
  if (c.quote) blocks.push(`${c.quote.label}${s.colon.trimEnd()}\n${c.quote.body.replace(/\r\n|\r/g, '\n').split('\n').map((l) => `  ${l}`).join('\n')}`);
  if (c.card) blocks.push(`${c.card.label}${s.colon}${c.card.code}\n${c.card.note}`);
  if (c.action) blocks.push([`${c.action.label}${s.colon.trimEnd()}`, c.action.url, ...c.action.notes].join('\n'));
  for (const l of c.links ?? []) blocks.push(`${l.label}${s.colon.trimEnd()}\n${l.url}`);
  blocks.push(...c.closing);
  blocks.push(`——\n${s.signature}\n${s.footer}`);
  return `${blocks.join('\n\n')}\n`;
}

function renderHtml(c: EmailContent, s: EmailProse, lang: string, name: string, subject: string): string {
  const p = (text: string, style = ''): string => `<p style="margin:0 0 14px;${style}">${htmlText(text)}</p>`;
  const parts: string[] = [];
  parts.push(`<h1 style="margin:0 0 16px;font-size:20px;line-height:1.4;color:${ACCENT};">${htmlText(c.heading)}</h1>`);
  parts.push(p(s.greeting(name)));
  for (const para of c.paragraphs) parts.push(p(para));
  if (c.details.length > 0) {
    const rows = c.details
      .map(
        ([l, v]) =>
          `<tr><td style="padding:6px 10px;color:#6b6b6b;white-space:nowrap;vertical-align:top;">${htmlText(l)}</td>` +
          `<td style="padding:6px 10px;color:#222;word-break:break-word;">${htmlText(v)}</td></tr>`,
      )
      .join('');
    parts.push(
      `<table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;border-collapse:collapse;margin:0 0 16px;background:#faf6ee;border-radius:8px;font-size:15px;">${rows}</table>`,
    );
  }
  if (c.quote) {
    parts.push(
      `<div style="margin:0 0 16px;padding:10px 14px;border-left:4px solid ${ACCENT};background:#fbf7f3;">` +
        `<div style="font-size:14px;color:#6b6b6b;margin-bottom:4px;">${htmlText(c.quote.label)}</div>` +
        `<div style="white-space:normal;">${htmlText(c.quote.body)}</div></div>`,
    );
  }
  if (c.card) {
    // The QR code is the message's inline image part (mail/qr-card.ts), named by its Content-ID.
    parts.push(
      `<div style="margin:0 0 16px;padding:14px;text-align:center;background:#ffffff;border:2px solid ${ACCENT};border-radius:12px;">` +
        `<div style="font-size:15px;color:#6b6b6b;margin-bottom:8px;">${htmlText(c.card.label)}</div>` +
        `<img src="cid:${QR_CARD_CID}" width="220" height="220" alt="${escapeHtml(c.card.code)}" style="display:block;margin:0 auto;width:220px;height:220px;">` +
        `<div style="margin-top:8px;font-size:24px;font-weight:bold;letter-spacing:3px;font-family:Menlo,Consolas,monospace;color:#222;">${htmlText(c.card.code)}</div>` +
        `<div style="margin-top:6px;font-size:14px;color:#555;">${htmlText(c.card.note)}</div></div>`,
    );
  }
  if (c.action) {
    const href = safeHref(c.action.url);
    if (href !== undefined) {
      parts.push(
        `<p style="margin:24px 0;text-align:center;"><a href="${escapeHtml(href)}" style="display:inline-block;padding:14px 32px;background:${ACCENT};color:#ffffff;font-size:18px;font-weight:bold;text-decoration:none;border-radius:8px;">${htmlText(c.action.label)}</a></p>`,
      );
    }
    for (const note of c.action.notes) parts.push(p(note, 'font-size:14px;color:#555;'));
    const raw = href !== undefined
      ? `<a href="${escapeHtml(href)}" style="color:${ACCENT};">${escapeHtml(c.action.url)}</a>`
      : escapeHtml(c.action.url);
    parts.push(`<p style="margin:0 0 14px;font-size:13px;color:#6b6b6b;word-break:break-all;">${htmlText(s.rawLink)}<br>${raw}</p>`);
  }
  for (const l of c.links ?? []) {
    const href = safeHref(l.url);
    parts.push(
      href !== undefined
        ? `<p style="margin:0 0 14px;text-align:center;"><a href="${escapeHtml(href)}" style="color:${ACCENT};font-size:16px;">${htmlText(l.label)}</a></p>`
        : p(`${l.label}${s.colon}${l.url}`),
    );
  }
  for (const para of c.closing) parts.push(p(para));
  return (
    `<!DOCTYPE html><html lang="${lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f3efe6;">` +
    `<div style="max-width:560px;margin:0 auto;padding:16px 12px;font-family:${FONT};font-size:16px;line-height:1.7;color:#222;">` +
    `<div style="background:#ffffff;border-radius:12px;padding:22px 18px;">${parts.join('')}</div>` +
    `<p style="margin:14px 8px 0;font-size:12px;line-height:1.6;color:#8a8a8a;text-align:center;">${htmlText(s.signature)}<br>${htmlText(s.footer)}</p>` +
    `</div></body></html>`
  );
}

/** Renders one email. An unknown locale falls back to Simplified Chinese. */
export const renderEmail: RenderEmail = (message: EmailMessage, locale: Locale = 'zh-CN'): RenderedEmail => {
  const catalog = catalogFor(locale);
  const strings = catalog.mail;
  const kit = KITS.get(catalog.locale) ?? kitFor(catalog.locale, strings);
  const build = strings.purposes[message.purpose] as (m: EmailMessage, k: EmailKit) => EmailContent;
  if (typeof build !== 'function') throw new TypeError(`renderEmail: unknown purpose ${String(message.purpose)}`);
  const content = build(message, kit);
  const subject = oneLine(content.subject);
  return {
    subject,
    text: renderText(content, strings, message.recipientName),
    html: renderHtml(content, strings, catalog.locale, message.recipientName, subject),
  };
};
