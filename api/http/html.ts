/** Escaped HTML for the server-rendered pages (the page shells are in layout.ts). */
import { escapeHtml } from '../../mail/html';

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
