/**
 * Staff sign-in by a one-time link (the rules of shared NOTES-links.md hold for it too):
 *
 * - GET /sign-in shows a form for an email address. POST /sign-in answers the same page whether
 *   or not the address is a staff member's, at once; the link (step 'signIn', recipient
 *   `staff:<id>`, 15 minutes) goes out afterwards, only to an address on file. Rate-limited per
 *   client IP, and quietly per address (the answer stays the same). The per-IP sign-in limit
 *   counts only these POSTs: page loads and link opens (mail scanners open every link) have a
 *   roomier bucket of their own, and using a link or signing out another.
 * - GET /sign-in/<token> only shows a "sign in" button: mail scanners open links.
 * - POST /sign-in/<token> consumes the link once (its SHA-256 goes into used_sign_in_tokens, whose
 *   primary key refuses a second use even in a race) and opens a session in the same transaction.
 * - POST /sign-out ends the session.
 * Every POST form carries the double-submit CSRF value; every response is no-store.
 */
import { randomUUID } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import type { Mailer } from '../../mail/mailer';
import type { Config } from '../../config';
import { isUniqueViolation } from '../../db/database';
import type { Repositories } from '../../db/repositories';
import type { Locale } from '../../domain/schemas';
import { signActionToken, verifyActionToken, type ActionTokenClaims } from '../../links/action-token';
import { deliverRecorded } from '../../mail/outbox';
import { renderSignInEmail } from '../../mail/sign-in-template';
import { dashboardStrings, type DashboardStrings } from '../dashboard/i18n';
import { messageCard, staffPage } from '../http/layout';
import { toHttpError, type Logger } from '../http/errors';
import { html, type RawHtml } from '../http/html';
import { TokenBucketLimiter, type RateLimitOptions } from '../http/rate-limit';
import { signedPage, signedPageOf } from '../http/signed-page';
import { startPageFor } from '../http/start-page';
import {
  clearSessionCookie,
  cookiePolicy,
  formField,
  readCookie,
  safeNext,
  setSessionCookie,
  staffCsrfCookie,
  staffLocale,
  type SessionStore,
} from '../http/session';

export const SIGN_IN_LINK_TTL_MS = 15 * 60_000;
/** Retries of a sign-in email the relay turned away: all well inside the link's 15 minutes. */
const SIGN_IN_RETRY_DELAYS_MS = [30_000, 2 * 60_000, 5 * 60_000];
/** The `wf` claim of sign-in tokens starts with this; a random id follows, so every link is distinct. */
const SIGN_IN_SUBJECT = 'sign-in:';
const MAX_EMAIL = 254;

export interface SignInDeps {
  config: Config;
  repos: Repositories;
  linkSecret: string;
  mailer: Mailer;
  sessions: SessionStore;
  logger: Logger;
  /** Epoch ms. */
  now: () => number;
  /**
   * Per client IP, over the POSTs that ask for a link (default 10 a minute); the POSTs that use a
   * link or sign out have a bucket of the same size of their own.
   */
  rateLimit?: RateLimitOptions;
  /** Per client IP, over page loads and link opens (GET, HEAD; default 120 a minute). */
  pageRateLimit?: RateLimitOptions;
  /** Links sent per address (default 3 in a burst, then 1 every 5 minutes); over it, nothing is sent and the answer is the same. */
  perAddressLimit?: RateLimitOptions;
}

/** The sign-in link's path on this site (no origin). */
export function signInPath(token: string): string {
  return `/sign-in/${token}`;
}

export function createSignInRouter(deps: SignInDeps): Router {
  const { config, repos, logger, now, sessions } = deps;
  const router = Router();
  const policy = cookiePolicy(config);
  const addressLimiter = new TokenBucketLimiter(deps.perAddressLimit ?? { capacity: 3, perMinute: 0.2 }, now);
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

  type Ctx = { locale: Locale; s: DashboardStrings };
  const ctxOf = (req: Request, res: Response): Ctx => {
    // The error handler below may run before signedPage has (a path it does not cover).
    const locale = res.locals.signedPage ? signedPageOf(res).locale : staffLocale(req, res, policy, config.http.defaultLocale);
    return { locale, s: dashboardStrings(locale) };
  };
  const send = (req: Request, res: Response, ctx: Ctx, status: number, title: string, body: RawHtml): void => {
    res.status(status).type('html').send(staffPage({ locale: ctx.locale, s: ctx.s, title, body, originalUrl: req.originalUrl, narrow: true }));
  };
  const againLink = (ctx: Ctx): RawHtml => html`<p><a href="/sign-in">${ctx.s.signIn.again}</a></p>`;

  const signInRequests = deps.rateLimit ?? { capacity: 10, perMinute: 10 };
  // Mounted at the root, the router sees the whole path in originalUrl (req.path is the mount's rest).
  const pathOf = (req: Request): string => (req.originalUrl.split('?')[0] ?? '').replace(/\/+$/, '') || '/';
  router.use(
    ['/sign-in', '/sign-out'],
    signedPage({
      now,
      rateLimits: [
        { ...signInRequests, applies: (req) => req.method === 'POST' && pathOf(req) === '/sign-in' },
        { ...signInRequests, applies: (req) => req.method === 'POST' && pathOf(req) !== '/sign-in' },
        { ...(deps.pageRateLimit ?? { capacity: 120, perMinute: 120 }), applies: (req) => req.method !== 'POST' },
      ],
      locale: (req, res) => staffLocale(req, res, policy, config.http.defaultLocale),
      csrf: () => staffCsrfCookie(policy),
      rateLimited(req, res) {
        const ctx = ctxOf(req, res);
        send(req, res, ctx, 429, ctx.s.page.pages.rateLimited.title, messageCard(ctx.s.page.pages.rateLimited.title, [ctx.s.page.pages.rateLimited.body]));
      },
    }),
  );
  const issueCsrf = (res: Response): string => signedPageOf(res).csrf();
  const formIsOurs = (res: Response): boolean => signedPageOf(res).formIsOurs();

  function emailForm(req: Request, res: Response, ctx: Ctx, notice?: RawHtml): RawHtml {
    const csrf = issueCsrf(res);
    const next = safeNext(req.query.next);
    const { signIn } = ctx.s;
    return html`<div class="card"><h1>${signIn.heading}</h1>${notice ?? ''}<p>${signIn.intro}</p><form method="post" action="/sign-in"><input type="hidden" name="csrf" value="${csrf}">${
      next ? html`<input type="hidden" name="next" value="${next}">` : ''
    }<label for="email">${signIn.email}</label><input type="email" id="email" name="email" autocomplete="email" required maxlength="${MAX_EMAIL}"><div class="buttons"><button type="submit">${signIn.send}</button></div></form></div>`;
  }

  const forbidden = (req: Request, res: Response, ctx: Ctx) =>
    send(req, res, ctx, 403, ctx.s.page.pages.forbidden.title, messageCard(ctx.s.page.pages.forbidden.title, [ctx.s.page.pages.forbidden.body], againLink(ctx)));

  // ---- ask for a link ------------------------------------------------------------------------
  router.get('/sign-in', (req, res) => {
    const ctx = ctxOf(req, res);
    const notice = req.query.out === '1' ? html`<p class="ok">${ctx.s.signIn.signedOut}</p>` : undefined;
    send(req, res, ctx, 200, ctx.s.signIn.heading, emailForm(req, res, ctx, notice));
  });

  router.post('/sign-in', form, (req, res) => {
    const ctx = ctxOf(req, res);
    if (!formIsOurs(res)) return forbidden(req, res, ctx);
    const email = formField(req.body, 'email').trim().toLowerCase();
    const next = safeNext(formField(req.body, 'next'));
    // The same answer, at once, whatever the address: nobody learns who is on file.
    send(req, res, ctx, 200, ctx.s.signIn.sentTitle, messageCard(ctx.s.signIn.sentTitle, [ctx.s.signIn.sentBody], againLink(ctx)));
    if (email.length === 0 || email.length > MAX_EMAIL || !email.includes('@')) return;
    if (!addressLimiter.take(email).ok) {
      logger.warn('sign-in: too many links asked for one address; none sent');
      return;
    }
    sendLink(email, next).catch((err: unknown) => logger.error('sign-in: could not send a link', { error: String(err) }));
  });

  async function sendLink(email: string, next: string | undefined): Promise<void> {
    const staff = await repos.staff.findByEmail(email);
    if (!staff) return;
    const expMs = now() + SIGN_IN_LINK_TTL_MS;
    const claims: ActionTokenClaims = {
      v: 1,
      wf: `${SIGN_IN_SUBJECT}${randomUUID()}`,
      step: 'signIn',
      round: 0,
      rcp: `staff:${staff.id}`,
      act: ['signIn'],
      exp: Math.floor(expMs / 1000),
    };
    const token = signActionToken(claims, deps.linkSecret);
    const url = `${config.http.publicBaseUrl}${signInPath(token)}${next ? `?next=${encodeURIComponent(next)}` : ''}`;
    const recipientKey = `staff:${staff.id}`;
    // Through the outbox like every email: recorded, and a relay's temporary refusal is retried,
    // but only while the link still works (a sign-in link after its 15 minutes is no use).
    const outcome = await deliverRecorded(
      { store: repos.store, mailer: deps.mailer, messageIdDomain: config.mail.from.email.split('@')[1] ?? 'localhost', retryDelaysMs: SIGN_IN_RETRY_DELAYS_MS },
      {
        key: `sign-in/${claims.wf}`,
        scopeId: 'sign-in',
        purpose: 'signIn',
        recipient: { key: recipientKey, name: staff.name, email: staff.email, locale: staff.locale },
        render: () => renderSignInEmail({ recipientName: staff.name, signInUrl: url, expiresAt: new Date(claims.exp * 1000).toISOString() }, staff.locale, now()),
        headers: { 'X-Email-Purpose': 'signIn' },
      },
    );
    logger.info(`sign-in: link ${outcome}`, { recipientKey });
  }

  // ---- the link ------------------------------------------------------------------------------
  type Checked =
    | { kind: 'ok'; claims: ActionTokenClaims; staffId: string }
    | { kind: 'invalid' | 'expired' | 'used' };

  async function check(token: string): Promise<Checked> {
    // A link of another step (an approval link) is not a sign-in link, however well signed.
    const v = verifyActionToken(token, deps.linkSecret, now());
    if (!v.ok) return { kind: v.reason === 'expired' ? 'expired' : 'invalid' };
    const c = v.claims;
    if (c.step !== 'signIn' || !c.wf.startsWith(SIGN_IN_SUBJECT) || !c.rcp.startsWith('staff:') || !c.act.includes('signIn')) return { kind: 'invalid' };
    if (await sessions.signInTokenSpent(token)) return { kind: 'used' };
    return { kind: 'ok', claims: c, staffId: c.rcp.slice('staff:'.length) };
  }

  function refusal(req: Request, res: Response, ctx: Ctx, kind: 'invalid' | 'expired' | 'used' | 'unknownStaff'): void {
    const { signIn } = ctx.s;
    const [status, title, body] =
      kind === 'used'
        ? [409, signIn.usedTitle, signIn.usedBody]
        : kind === 'expired'
          ? [410, signIn.expiredTitle, signIn.expiredBody]
          : kind === 'unknownStaff'
            ? [403, signIn.unknownStaffTitle, signIn.unknownStaffBody]
            : [400, signIn.invalidTitle, signIn.invalidBody];
    send(req, res, ctx, status, title, messageCard(title, [body], againLink(ctx)));
  }

  router.get('/sign-in/:token', async (req, res) => {
    const ctx = ctxOf(req, res);
    const token = String(req.params.token);
    const checked = await check(token);
    if (checked.kind !== 'ok') return refusal(req, res, ctx, checked.kind);
    const staff = await repos.staff.findById(checked.staffId);
    // A link mailed before the staff member was deactivated signs no one in.
    if (!staff || staff.deactivated_at !== null) return refusal(req, res, ctx, 'unknownStaff');
    const csrf = issueCsrf(res);
    const next = safeNext(req.query.next);
    const action = `${signInPath(token)}${next ? `?next=${encodeURIComponent(next)}` : ''}`;
    const { signIn } = ctx.s;
    send(
      req,
      res,
      ctx,
      200,
      signIn.linkTitle,
      html`<div class="card"><h1>${signIn.linkTitle}</h1><p>${signIn.linkBody(staff.name)}</p><form method="post" action="${action}"><input type="hidden" name="csrf" value="${csrf}"><div class="buttons"><button type="submit">${signIn.linkButton}</button></div></form></div>`,
    );
  });

  router.post('/sign-in/:token', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const token = String(req.params.token);
    if (!formIsOurs(res)) return forbidden(req, res, ctx);
    const checked = await check(token);
    if (checked.kind !== 'ok') {
      logger.warn('sign-in: link refused', { reason: checked.kind, ip: req.ip });
      return refusal(req, res, ctx, checked.kind);
    }
    const staff = await repos.staff.findById(checked.staffId);
    // A link mailed before the staff member was deactivated signs no one in.
    if (!staff || staff.deactivated_at !== null) return refusal(req, res, ctx, 'unknownStaff');
    let session: { id: string; expiresAt: string };
    try {
      session = await sessions.openWithSignInToken(token, checked.claims.exp * 1000, staff);
    } catch (err) {
      if (isUniqueViolation(err)) return refusal(req, res, ctx, 'used');
      throw err;
    }
    logger.info('sign-in: session opened', { recipientKey: checked.claims.rcp, ip: req.ip });
    // Forget sessions and spent links that can no longer be used (indexed by expiry; cheap).
    sessions.purgeExpired().catch((err: unknown) => logger.warn('sign-in: could not purge expired sessions', { error: String(err) }));
    setSessionCookie(res, policy, session.id, session.expiresAt);
    // The page the link was asked from wins; otherwise the role's own start page.
    res.redirect(303, safeNext(req.query.next) ?? startPageFor(staff.role));
  });

  // ---- sign out ------------------------------------------------------------------------------
  router.post('/sign-out', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    if (!formIsOurs(res)) return forbidden(req, res, ctx);
    await sessions.end(readCookie(req, policy.session));
    clearSessionCookie(res, policy);
    res.redirect(303, '/sign-in?out=1');
  });

  // Errors on these pages are pages too, never JSON or a stack.
  router.use(['/sign-in', '/sign-out'], (err: unknown, req: Request, res: Response, next: (err?: unknown) => void) => {
    if (res.headersSent) return next(err);
    const known = toHttpError(err);
    if (!known || known.status >= 500) logger.error('sign-in: request failed', { method: req.method, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    const ctx = ctxOf(req, res);
    const status = known?.status ?? 500;
    const p = ctx.s.page.pages;
    const [title, body] = status === 413 ? [p.tooLarge.title, p.tooLarge.body] : status < 500 ? [ctx.s.signIn.invalidTitle, ctx.s.signIn.invalidBody] : [p.error.title, p.error.body];
    send(req, res, ctx, status, title, messageCard(title, [body]));
  });

  return router;
}

