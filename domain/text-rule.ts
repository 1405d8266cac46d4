/**
 * The rule for typed free text (see ./text), without zod: the workflows' update checks
 * (./checks) apply it inside the workflow bundle, the zod schemas through ./text.
 */

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
