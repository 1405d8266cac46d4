/** The one layout of the server-rendered pages: escaped values, no script, readable on a phone. */
import type { Locale } from '../../domain/schemas';
import { escapeHtml } from '../../mail/html';
import { stringsFor } from '../links/i18n';

export { escapeHtml };

/** Escaped text with line breaks kept. */
export function escapeText(value: string): string {
  return escapeHtml(value).replace(/\r\n|\r|\n/g, '<br>');
}

/** A tagged template whose interpolations are escaped unless wrapped in `raw()`. */
export class RawHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}
export const raw = (html: string): RawHtml => new RawHtml(html);

export function html(strings: TemplateStringsArray, ...values: unknown[]): RawHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    const piece = Array.isArray(v)
      ? v.map((x) => (x instanceof RawHtml ? x.html : escapeHtml(x))).join('')
      : v instanceof RawHtml
        ? v.html
        : v === undefined || v === null || v === false
          ? ''
          : escapeHtml(v);
    out += piece + (strings[i + 1] ?? '');
  });
  return new RawHtml(out);
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f3efe6;color:#222;font:16px/1.7 -apple-system,BlinkMacSystemFont,'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC',Helvetica,Arial,sans-serif}
main{max-width:560px;margin:0 auto;padding:16px 12px}
.card{background:#fff;border-radius:12px;padding:20px 16px;margin-bottom:14px}
h1{margin:0 0 12px;font-size:21px;line-height:1.4;color:#b03a2e}
h2{margin:0 0 8px;font-size:17px}
p{margin:0 0 12px}
table{width:100%;border-collapse:collapse;background:#faf6ee;border-radius:8px;font-size:15px;margin-bottom:12px}
td{padding:6px 10px;vertical-align:top;word-break:break-word}
td.l{color:#6b6b6b;white-space:nowrap}
.quote{border-left:4px solid #b03a2e;background:#fbf7f3;padding:8px 12px;margin-bottom:12px}
.notice{font-size:14px;color:#555}
.error{background:#fdecea;color:#8a1c12;border-radius:8px;padding:10px 12px;margin-bottom:12px}
.ok{background:#e9f6ec;color:#1d5e2c;border-radius:8px;padding:10px 12px;margin-bottom:12px}
label{display:block;font-weight:600;margin:10px 0 4px}
textarea{width:100%;min-height:90px;font:inherit;padding:8px;border:1px solid #ccc;border-radius:8px}
select{font:inherit;padding:6px;border-radius:6px}
.buttons{display:flex;flex-wrap:wrap;gap:10px;margin-top:14px}
button{flex:1 1 140px;font:inherit;font-size:17px;font-weight:600;padding:12px 16px;border:0;border-radius:8px;background:#b03a2e;color:#fff;cursor:pointer}
button.secondary{background:#6b6b6b}
footer{font-size:12px;color:#8a8a8a;text-align:center;margin-top:8px}
footer a{color:#8a8a8a}
`;

export interface LayoutOptions {
  locale: Locale;
  title: string;
  body: RawHtml;
  /** Link to this page in the other language (a plain GET link). */
  otherLanguageHref?: string;
}

export function layout(o: LayoutOptions): string {
  const s = stringsFor(o.locale);
  const other = o.otherLanguageHref ? html` · <a href="${o.otherLanguageHref}" lang="${s.otherLanguage.lang}">${s.otherLanguage.label}</a>` : '';
  return (
    '<!DOCTYPE html>' +
    html`<html lang="${s.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex,nofollow"><title>${o.title} · ${s.siteName}</title><style>${raw(STYLE)}</style></head><body><main>${o.body}<footer>${s.siteName}${other}</footer></main></body></html>`.html
  );
}
