/**
 * The small helpers of the inline-styled email HTML (and the server-rendered pages' escaping).
 * Dates, numbers and yuan are written by i18n/format.ts. Pure: no I/O.
 */

export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Only http(s) URLs become links; anything else is shown as text. */
export function safeHref(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Whitespace runs (line breaks too) as one space, trimmed. */
export function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** The emails' accent colour and font stack. */
export const ACCENT = '#b03a2e';
export const FONT = "-apple-system,BlinkMacSystemFont,'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC',Helvetica,Arial,sans-serif";
