/**
 * The one middleware in front of every page reached from an email (action links, families' own
 * pages, staff sign-in) and of the staff pages: every answer is no-store and noindex, requests are
 * rate-limited per client IP (by rules, so a feature can count only what matters to it), the
 * page's language is resolved once, and the page's forms get their CSRF value from one issuer and
 * are checked by one verifier (api/http/session.ts).
 *
 *   router.use(signedPage({ now, rateLimits: [{ capacity: 30, perMinute: 30 }], locale, csrf, rateLimited }));
 *   const page = signedPageOf(res);   // page.locale, page.csrf(), page.formIsOurs()
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Locale } from '../../domain/schemas';
import { TokenBucketLimiter, type RateLimitOptions } from './rate-limit';
import { formIsOurs, issueCsrf, type CsrfCookie } from './session';

/** One bucket per client IP (or per `key`), over the requests `applies` picks (all of them when absent). */
export interface RateLimitRule extends RateLimitOptions {
  applies?: (req: Request) => boolean;
  /**
   * The bucket a request counts in, when not its client IP (e.g. the link's token, so families
   * behind one venue Wi-Fi address do not share one bucket); undefined: the rule does not apply.
   */
  key?: (req: Request) => string | undefined;
}

export interface SignedPageOptions {
  /** Epoch ms (the limiters' clock). */
  now: () => number;
  /** Each rule is its own bucket; a request is refused when any rule that applies to it is spent. */
  rateLimits: readonly RateLimitRule[];
  /** The page's language (e.g. `pickLocale`, or the staff pages' remembered choice). */
  locale: (req: Request, res: Response) => Locale;
  /** Where this page's CSRF value lives (the path may depend on the request: a link's own page). */
  csrf: (req: Request) => CsrfCookie;
  /** Answers a refused request (status 429 and Retry-After are already set). */
  rateLimited: (req: Request, res: Response, page: SignedPage) => void;
}

/** What a handler behind `signedPage` reads from `signedPageOf(res)`. */
export interface SignedPage {
  locale: Locale;
  /** The CSRF value for this page's forms (set in its cookie). */
  csrf(): string;
  /** Whether the posted form came from one of our pages (the CSRF rule). */
  formIsOurs(): boolean;
}

export function signedPage(o: SignedPageOptions): RequestHandler {
  const limits = o.rateLimits.map((rule) => ({ applies: rule.applies, key: rule.key, limiter: new TokenBucketLimiter(rule, o.now) }));
  return (req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Robots-Tag', 'noindex, nofollow');
    let page: SignedPage | undefined;
    const pageOnce = (): SignedPage => {
      if (page) return page;
      const cookie = o.csrf(req);
      page = { locale: o.locale(req, res), csrf: () => issueCsrf(req, res, cookie), formIsOurs: () => formIsOurs(req, cookie) };
      res.locals.signedPage = page;
      return page;
    };
    const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    for (const { applies, key, limiter } of limits) {
      if (applies && !applies(req)) continue;
      const bucket = key ? key(req) : client;
      if (bucket === undefined) continue;
      const taken = limiter.take(bucket);
      if (!taken.ok) {
        res.status(429).setHeader('Retry-After', String(taken.retryAfterSeconds));
        o.rateLimited(req, res, pageOnce());
        return;
      }
    }
    pageOnce();
    next();
  };
}

export function signedPageOf(res: Response): SignedPage {
  const page = res.locals.signedPage as SignedPage | undefined;
  if (!page) throw new Error('signedPageOf: route is not behind signedPage()');
  return page;
}
