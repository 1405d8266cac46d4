/**
 * The one rule for free text that people type (titles, names, addresses, comments, notes, CSV
 * cells): it reaches emails, pages, CSV exports and the funders' reports, so characters that
 * hide or reorder what a reader sees, or that break a file, are refused at the boundary.
 *
 * The rule itself lives in ./text-rule (no zod), which the workflows' hand-written checks use.
 */
import { z } from 'zod';
import { isSafeText, UNSAFE_TEXT_MESSAGE } from './text-rule';

export { isSafeText, UNSAFE_TEXT_MESSAGE };

/** A string schema that refuses unsafe characters; chain `.trim().min().max()` after it as usual. */
export function text(): z.ZodString {
  return z.string().refine(isSafeText, { message: UNSAFE_TEXT_MESSAGE });
}
