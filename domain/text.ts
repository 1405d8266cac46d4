/**
 * The one rule for free text that people type (titles, names, addresses, comments, notes, CSV
 * cells): it reaches emails, pages, CSV exports and the funders' reports, so characters that
 * hide or reorder what a reader sees, or that break a file, are refused at the boundary.
 *
 * Pure (zod only), so the workflow bundle may include it through domain/schemas.ts.
 */
import { z } from 'zod';

/**
 * C0 controls except tab, line feed and carriage return (multi-line comments need those), DEL,
 * C1 controls, the bidirectional embeddings and overrides (U+202A–U+202E) and isolates
 * (U+2066–U+2069), and a surrogate half without its partner.
 */
const UNSAFE_TEXT =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const UNSAFE_TEXT_MESSAGE = 'must not contain control characters, NUL, bidirectional overrides or unpaired surrogates';

/** True when the text holds none of the characters above. */
export function isSafeText(text: string): boolean {
  return !UNSAFE_TEXT.test(text);
}

/** A string schema that refuses unsafe characters; chain `.trim().min().max()` after it as usual. */
export function text(): z.ZodString {
  return z.string().refine(isSafeText, { message: UNSAFE_TEXT_MESSAGE });
}
