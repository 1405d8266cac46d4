/** The language of the pages people reach from an email, as the request asks for it. */
import type { Request } from 'express';
import type { Locale } from '../../domain/schemas';

/** The tags Express's negotiation (`req.acceptsLanguages`) may pick, and the locale each means. */
const ACCEPTED_TAGS: Record<string, Locale> = { 'zh-CN': 'zh-CN', zh: 'zh-CN', en: 'en' };

/**
 * `?lang=en|zh-CN` wins; otherwise the best supported language of Accept-Language (Express's
 * negotiation: by quality, `zh-TW` and `en-GB` match by their prefix); otherwise the default.
 */
export function pickLocale(req: Pick<Request, 'query' | 'headers' | 'acceptsLanguages'>, fallback: Locale): Locale {
  const langParam = req.query.lang;
  if (typeof langParam === 'string') {
    const l = langParam.toLowerCase();
    if (l === 'en' || l.startsWith('en-')) return 'en';
    if (l === 'zh' || l.startsWith('zh-') || l === 'zh-cn') return 'zh-CN';
  }
  // No header, or `*` alone (what fetch clients send), accepts every tag: that is no preference.
  const header = req.headers['accept-language']?.trim();
  if (!header || header === '*') return fallback;
  const best = req.acceptsLanguages(...Object.keys(ACCEPTED_TAGS));
  return (best && ACCEPTED_TAGS[best]) || fallback;
}
