/**
 * The staff sign-in email: one button to the sign-in page, the link's expiry, and what to do if
 * the person did not ask for it. Its words come from the locale's catalog (i18n/); values
 * HTML-escaped.
 */
import type { Locale } from '../domain/schemas';
import { catalogFor } from '../i18n';
import { formatDayTime } from '../i18n/format';
import { ACCENT, FONT, escapeHtml } from './html';
import type { RenderedEmail } from './messages';

export interface SignInEmail {
  recipientName: string;
  /** The page that shows the "sign in" button; opening it signs no one in. */
  signInUrl: string;
  /** ISO-8601 instant the link stops working. */
  expiresAt: string;
}

/** Renders the sign-in email in the staff member's language (unknown: Simplified Chinese). */
export function renderSignInEmail(message: SignInEmail, locale: Locale, nowMs: number = Date.now()): RenderedEmail {
  const catalog = catalogFor(locale);
  const s = catalog.signIn;
  const minutes = Math.max(1, Math.round((Date.parse(message.expiresAt) - nowMs) / 60_000));
  const body = s.body(minutes, formatDayTime(message.expiresAt, catalog.locale));
  const text = [s.greeting(message.recipientName), body, `${s.button}:\n${message.signInUrl}`, s.ignore, `——\n${s.signature}`].join('\n\n') + '\n';
  const url = escapeHtml(message.signInUrl);
  const p = (t: string, style = '') => `<p style="margin:0 0 14px;${style}">${escapeHtml(t)}</p>`;
  const html =
    `<!DOCTYPE html><html lang="${catalog.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(s.subject)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f3efe6;"><div style="max-width:560px;margin:0 auto;padding:16px 12px;font-family:${FONT};font-size:16px;line-height:1.7;color:#222;">` +
    `<div style="background:#ffffff;border-radius:12px;padding:22px 18px;">` +
    `<h1 style="margin:0 0 16px;font-size:20px;line-height:1.4;color:${ACCENT};">${escapeHtml(s.subject)}</h1>` +
    p(s.greeting(message.recipientName)) +
    p(body) +
    `<p style="margin:24px 0;text-align:center;"><a href="${url}" style="display:inline-block;padding:14px 32px;background:${ACCENT};color:#ffffff;font-size:18px;font-weight:bold;text-decoration:none;border-radius:8px;">${escapeHtml(s.button)}</a></p>` +
    `<p style="margin:0 0 14px;font-size:13px;color:#6b6b6b;word-break:break-all;">${escapeHtml(s.rawLink)}<br><a href="${url}" style="color:${ACCENT};">${url}</a></p>` +
    p(s.ignore, 'font-size:14px;color:#555;') +
    `</div><p style="margin:14px 8px 0;font-size:12px;color:#8a8a8a;text-align:center;">${escapeHtml(s.signature)}</p></div></body></html>`;
  return { subject: s.subject, text, html };
}
