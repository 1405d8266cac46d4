/**
 * A family's or volunteer's card: the QR code encodes `<publicBaseUrl>/q/<qrToken>`, and the short
 * code printed under it is the token's first eight characters, so a desk without a camera (or with
 * a smudged card) can type it. Generated tokens are Crockford base32 (db/util.ts randomToken), so
 * the code is read aloud and typed without 0/O or 1/I/L confusion; no column stores it, because it
 * is the token itself and cannot drift from it.
 */

/** Characters of the token the short code shows. 40 bits for a generated token. */
export const CARD_CODE_LENGTH = 8;

/** The path a card's QR code points to, before the token. */
export const QR_CARD_PREFIX = '/q/';

/** The code as printed: upper case, in two groups of four ("7K3M-Q9TZ"). */
export function cardCodeOf(qrToken: string): string {
  const head = qrToken.slice(0, CARD_CODE_LENGTH).toUpperCase();
  return head.length > 4 ? `${head.slice(0, 4)}-${head.slice(4)}` : head;
}

/**
 * What a person typed, as the code to look up: spaces and dashes dropped, upper case, and the
 * letters Crockford base32 reads as digits (O → 0, I and L → 1). Undefined when it cannot be a
 * code (empty, or characters no token has).
 */
export function normalizeCardCode(typed: string): string | undefined {
  const code = typed
    .replace(/[\s-]+/g, '')
    .toUpperCase()
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (code.length === 0 || code.length > CARD_CODE_LENGTH || !/^[0-9A-Z_]+$/.test(code)) return undefined;
  return code;
}

/** The card's URL, the text its QR code encodes. */
export function qrCardUrl(publicBaseUrl: string, qrToken: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${QR_CARD_PREFIX}${qrToken}`;
}
