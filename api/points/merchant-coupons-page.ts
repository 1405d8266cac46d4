/**
 * A merchant checks and takes a coupon (merchants are not staff: they reach it by their own
 * emailed link; the rules of shared NOTES-links.md hold):
 *
 *   GET  /m/<token>[?code=]   the merchant's page: a field to type (or scan) a coupon code; with a
 *                             code, the reward, its status and whether it is still valid (issued, not
 *                             expired, and this merchant's), and when so the form to mark it used
 *   POST /m/<token>           {code, choice: 'use'}: marks it used, once; a second use is refused
 *                             naming when it was used
 *
 * The token is an action token with the step 'merchant' and the recipient `merchant:<id>`
 * (links/holder-links.ts), sent by a coordinator from /dashboard/points/merchants. The form needs a
 * choice with no default (a required radio) then one submit, so a mail scanner that presses buttons
 * takes nothing; it carries the CSRF value (cookie scoped to the page) and is checked for Origin.
 * Every answer is no-store and noindex, rate-limited per client IP, and every POST is written to the
 * action audit (who, what, outcome, IP, user agent).
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../../config';
import type { MerchantContact, Repositories } from '../../db/repositories';
import type { CouponView, UseRefusal } from '../../db/services/coupons';
import type { Locale } from '../../domain/schemas';
import { catalogFor } from '../../i18n';
import type { SpendingProse } from '../../i18n/catalog';
import { formatDateTime } from '../../i18n/format';
import { MERCHANT_PAGE_PREFIX, readMerchantToken } from '../../links/holder-links';
import { couponBadge } from '../family/home-page';
import type { AuditLog, AuditOutcome } from '../links/audit';
import { CSRF_COOKIE } from '../links/routes';
import { pickLocale, stringsFor } from '../links/i18n';
import { toHttpError, type Logger } from '../http/errors';
import { html, raw, type RawHtml } from '../http/html';
import { cameraScanner } from '../check-in/scanner';
import { otherLanguageHref, publicPage } from '../http/layout';
import type { RateLimitOptions } from '../http/rate-limit';
import { formField } from '../http/session';
import { signedPage, signedPageOf } from '../http/signed-page';

export interface MerchantCouponsDeps {
  repos: Repositories;
  config: Config;
  linkSecret: string;
  audit: AuditLog;
  logger: Logger;
  now: () => number;
  rateLimit: RateLimitOptions;
}

const MAX_CODE = 100;
const STYLE = `
input[type=text]{width:100%;font:inherit;font-size:18px;padding:10px;border:1px solid #ccc;border-radius:8px;text-transform:uppercase}
.badge{display:inline-block;font-size:13px;padding:0 8px;border-radius:9px;background:#e8e5df;color:#444;white-space:nowrap}
.badge.issued{background:#e3f3e6;color:#1d5e2c}
`;

interface Ctx {
  locale: Locale;
  s: ReturnType<typeof stringsFor>;
  p: SpendingProse;
  when: (iso: string) => string;
  selfPath: string;
}

type Note = { kind: 'ok' | 'error'; text: string };

export function createMerchantCouponsRouter(deps: MerchantCouponsDeps): Router {
  const { repos, config, now } = deps;
  const router = Router();
  const secure = config.http.publicBaseUrl.startsWith('https:');
  const publicOrigin = new URL(config.http.publicBaseUrl).origin;
  const coupons = repos.coupons({ now: () => new Date(now()) });
  const formParser = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });
  const pathOf = (req: Request): string => req.originalUrl.split('?')[0] ?? '/';
  const ctxOf = (req: Request, res: Response): Ctx => {
    const locale = (res.locals.signedPage ? signedPageOf(res).locale : undefined) ?? pickLocale(req, config.http.defaultLocale);
    return { locale, s: stringsFor(locale), p: catalogFor(locale).spending, when: (iso) => formatDateTime(iso, locale), selfPath: pathOf(req) };
  };
  const send = (req: Request, res: Response, ctx: Ctx, status: number, title: string, body: RawHtml): void => {
    res.status(status).type('html').send(publicPage({ s: ctx.s, title, body, otherLanguageHref: otherLanguageHref(req.originalUrl, ctx.s.otherLanguage.lang), style: STYLE }));
  };
  const message = (req: Request, res: Response, ctx: Ctx, status: number, m: { title: string; body: string }): void =>
    send(req, res, ctx, status, m.title, html`<div class="card"><h1>${m.title}</h1><p>${m.body}</p></div>`);

  router.use(
    MERCHANT_PAGE_PREFIX,
    signedPage({
      now,
      rateLimits: [deps.rateLimit],
      locale: (req) => pickLocale(req, config.http.defaultLocale),
      csrf: (req) => ({ name: CSRF_COOKIE, path: pathOf(req), secure, publicOrigin }),
      rateLimited(req, res) {
        const ctx = ctxOf(req, res);
        message(req, res, ctx, 429, ctx.s.pages.rateLimited);
      },
    }),
  );

  async function merchantOf(req: Request, res: Response, ctx: Ctx): Promise<MerchantContact | undefined> {
    const link = readMerchantToken(String(req.params.token), deps.linkSecret, now());
    const pages = ctx.p.merchant.pages;
    if (link.kind === 'invalid') return void message(req, res, ctx, 400, pages.invalid);
    if (link.kind === 'expired') return void message(req, res, ctx, 410, pages.expired);
    const merchant = await repos.familyHome.merchant(link.id);
    if (!merchant || !merchant.active) return void message(req, res, ctx, 404, pages.invalid);
    return merchant;
  }

  function refusalText(ctx: Ctx, reason: Exclude<UseRefusal, 'notForStaff'>, coupon: CouponView | undefined): string {
    const m = ctx.p.merchant;
    if (reason === 'alreadyUsed' && coupon?.usedAt) return m.alreadyUsedAt(ctx.when(coupon.usedAt));
    return m.refused[reason];
  }

  function page(req: Request, res: Response, ctx: Ctx, status: number, merchant: MerchantContact, o: { code?: string; coupon?: CouponView; note?: Note } = {}): void {
    const m = ctx.p.merchant;
    const csrf = signedPageOf(res).csrf();
    const note = o.note ? html`<div class="${o.note.kind}">${o.note.text}</div>` : '';
    const scanner = cameraScanner(res, ctx.locale, 'code');
    const find = html`<form method="get" action="${ctx.selfPath}"><input type="hidden" name="lang" value="${ctx.locale}"><label for="code">${m.codeLabel}</label>${scanner.markup}<input type="text" id="code" name="code" value="${o.code ?? ''}" maxlength="${MAX_CODE}" autocomplete="off" autocapitalize="characters" required><div class="buttons"><button type="submit">${m.check}</button></div></form>${scanner.scripts}`;
    let found: RawHtml | string = '';
    const c = o.coupon;
    if (c) {
      const l = m.labels;
      const valid = c.status === 'issued';
      found = html`<div class="card" id="coupon"><h2>${c.code}</h2><table><tr><td class="l">${l.reward}</td><td>${c.rewardName}</td></tr><tr><td class="l">${l.status}</td><td>${couponBadge(ctx.p, c)}</td></tr><tr><td class="l">${l.issuedAt}</td><td>${ctx.when(c.issuedAt)}</td></tr><tr><td class="l">${l.validUntil}</td><td>${ctx.when(c.expiresAt)}</td></tr>${
        c.usedAt ? html`<tr><td class="l">${l.usedAt}</td><td>${ctx.when(c.usedAt)}</td></tr>` : ''
      }</table>${
        valid
          ? html`<p class="ok">${m.valid}</p><form method="post" action="${ctx.selfPath}?lang=${ctx.locale}"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="code" value="${c.code}"><fieldset class="choices"><legend>${m.confirm}</legend><label class="choice"><input type="radio" name="choice" value="use" required>${m.confirmChoice}</label></fieldset><div class="buttons"><button type="submit">${m.use}</button></div></form>`
          : html`<p class="error">${m.notValid}</p>`
      }</div>`;
    }
    send(
      req,
      res,
      ctx,
      status,
      m.title,
      html`<div class="card"><h1>${m.title}</h1>${note}<p>${m.hello(merchant.name)}</p><p class="notice">${m.intro}</p>${find}</div>${found}`,
    );
  }

  router.get(`${MERCHANT_PAGE_PREFIX}/:token`, async (req, res) => {
    const ctx = ctxOf(req, res);
    const merchant = await merchantOf(req, res, ctx);
    if (!merchant) return;
    const code = typeof req.query.code === 'string' ? req.query.code.trim().slice(0, MAX_CODE) : '';
    if (!code) return page(req, res, ctx, 200, merchant);
    const coupon = await coupons.byCode(code);
    // Another merchant's coupon is "not one of yours": its reward and state are not this merchant's to read.
    if (!coupon) return page(req, res, ctx, 404, merchant, { code, note: { kind: 'error', text: ctx.p.merchant.refused.notFound } });
    if (coupon.merchantId !== merchant.id) return page(req, res, ctx, 403, merchant, { code, note: { kind: 'error', text: ctx.p.merchant.refused.otherMerchant } });
    const note: Note | undefined = coupon.status === 'issued' ? undefined : { kind: 'error', text: refusalText(ctx, coupon.status === 'used' ? 'alreadyUsed' : coupon.status, coupon) };
    page(req, res, ctx, 200, merchant, { code, coupon, ...(note ? { note } : {}) });
  });

  router.post(`${MERCHANT_PAGE_PREFIX}/:token`, formParser, async (req, res) => {
    const ctx = ctxOf(req, res);
    const merchant = await merchantOf(req, res, ctx);
    if (!merchant) return;
    const code = formField(req.body, 'code').trim().slice(0, MAX_CODE);
    const choice = formField(req.body, 'choice');
    const audit = (outcome: AuditOutcome) =>
      deps.audit.record({
        workflowId: 'merchant-coupons',
        step: 'merchant',
        round: 0,
        recipientKey: `merchant:${merchant.id}`,
        action: 'useCoupon',
        outcome,
        comment: `code=${code}`,
        ip: req.ip,
        userAgent: req.get('user-agent'),
      });
    if (!signedPageOf(res).formIsOurs()) {
      await audit('invalid');
      return message(req, res, ctx, 403, ctx.s.pages.forbidden);
    }
    if (choice !== 'use') {
      await audit('invalid');
      // Shown again with its form, when it is this merchant's.
      const coupon = await coupons.byCode(code);
      const mine = coupon && coupon.merchantId === merchant.id ? coupon : undefined;
      return page(req, res, ctx, 400, merchant, { code, ...(mine ? { coupon: mine } : {}), note: { kind: 'error', text: ctx.p.merchant.chooseFirst } });
    }
    const result = await coupons.markUsed(code, { kind: 'merchant', merchantId: merchant.id });
    if (result.ok) {
      await audit('recorded');
      return page(req, res, ctx, 200, merchant, { code: result.coupon.code, coupon: result.coupon, note: { kind: 'ok', text: ctx.p.merchant.used(result.coupon.rewardName, ctx.when(result.coupon.usedAt ?? '')) } });
    }
    const reason = result.reason === 'notForStaff' ? 'otherMerchant' : result.reason;
    await audit(reason === 'alreadyUsed' ? 'alreadyDecided' : 'invalid');
    const shown = reason === 'otherMerchant' || reason === 'notFound' ? undefined : result.coupon;
    return page(req, res, ctx, reason === 'notFound' ? 404 : reason === 'otherMerchant' ? 403 : 409, merchant, {
      code,
      ...(shown ? { coupon: shown } : {}),
      note: { kind: 'error', text: refusalText(ctx, reason, result.coupon) },
    });
  });

  router.use(MERCHANT_PAGE_PREFIX, (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const known = toHttpError(err);
    // An outage: the app's one "try again shortly" page (503, Retry-After), not "something went wrong".
    if (known?.status === 503) return next(err);
    if (!known || known.status >= 500) deps.logger.error('merchant coupon page failed', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    const ctx = ctxOf(req, res);
    const status = known?.status ?? 500;
    message(req, res, ctx, status, status === 413 ? ctx.s.pages.tooLarge : status < 500 ? ctx.s.pages.invalid : ctx.s.pages.error);
  });

  return router;
}
