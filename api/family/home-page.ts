/**
 * A family's own page, no password (the rules of shared NOTES-links.md hold: GET only shows):
 *
 *   GET /f/<token>          the family's registrations, its printable QR card, its growth points
 *                           (balance, history in words, what expires when), the rewards catalogue
 *                           and its coupons with their codes and status
 *   GET /s/<token>/family   any good self-service link of a family (register or check-in) leads to a
 *                           fresh /f/ link: every link a family holds reaches its page
 *   GET /q/<qrToken>        (handler `qrCardHandler`, mounted by the self-service router) the card
 *                           behind a QR code, for anyone: the name, the QR and the short code, nothing
 *                           else (the card is shown to strangers at desks); unknown → the same-looking 404
 *
 * The /f/ token is a signed action token with its own step (links/holder-links.ts). Every answer is
 * no-store and noindex and rate-limited per client IP (as the /s/ pages), and the strict CSP holds:
 * no script, the QR code is inline SVG drawn on the server.
 */
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import QRCode from 'qrcode';
import type { Config } from '../../config';
import type { Repositories } from '../../db/repositories';
import type { CouponView } from '../../db/services/coupons';
import type { PointsEntry, Reward } from '../../db/services/ledger';
import { cardCodeOf, qrCardUrl } from '../../domain/card';
import { replayLots } from '../../domain/points';
import type { Locale } from '../../domain/schemas';
import { catalogFor } from '../../i18n';
import type { SpendingProse } from '../../i18n/catalog';
import { formatDateTime, formatNumber } from '../../i18n/format';
import { readFamilyPageToken, signFamilyPageLink, FAMILY_PAGE_DAYS, FAMILY_PAGE_PREFIX } from '../../links/holder-links';
import { toHttpError, type Logger } from '../http/errors';
import { html, raw, type RawHtml } from '../http/html';
import { otherLanguageHref, publicPage } from '../http/layout';
import type { RateLimitOptions } from '../http/rate-limit';
import { signedPage, signedPageOf } from '../http/signed-page';
import { CSRF_COOKIE } from '../links/routes';
import { pickLocale, stringsFor } from '../links/i18n';
import { SELF_SERVICE_PREFIX, readSelfServiceToken } from './links';

export interface FamilyHomeDeps {
  repos: Repositories;
  config: Config;
  linkSecret: string;
  logger: Logger;
  now: () => number;
  /** Per client IP over these pages (the /s/ pages' limit). */
  rateLimit: RateLimitOptions;
}

const CARD_STYLE = `
.qr-card{text-align:center}
.qr-card svg{width:220px;height:220px;max-width:100%}
.qr-name{font-size:20px;font-weight:700;margin:0 0 4px}
.qr-code{font:700 26px/1.3 ui-monospace,Menlo,Consolas,monospace;letter-spacing:2px;margin:4px 0 8px}
.balance{font-size:34px;font-weight:700;color:#b03a2e;margin:0 0 8px}
td.n{text-align:right;white-space:nowrap}
td.code{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:nowrap}
.badge{display:inline-block;font-size:13px;padding:0 8px;border-radius:9px;background:#e8e5df;color:#444;white-space:nowrap}
.badge.issued{background:#e3f3e6;color:#1d5e2c}
ul.coupons{list-style:none;margin:0;padding:0}
li.coupon{background:#faf6ee;border-radius:8px;padding:10px 12px;margin-bottom:10px}
li.coupon.used,li.coupon.expired,li.coupon.refunded{opacity:.75}
.coupon-code{font:700 19px/1.4 ui-monospace,Menlo,Consolas,monospace;letter-spacing:1px;margin:4px 0;word-break:break-all}
@media print{body{background:#fff}main>*:not(.qr-card),footer{display:none!important}.qr-card{border:1px dashed #999;max-width:9cm;margin:0 auto}.print-hint{display:none}}
`;

interface Ctx {
  locale: Locale;
  s: ReturnType<typeof stringsFor>;
  p: SpendingProse;
  when: (iso: string) => string;
  num: (n: number) => string;
}

function ctxFor(locale: Locale): Ctx {
  return { locale, s: stringsFor(locale), p: catalogFor(locale).spending, when: (iso) => formatDateTime(iso, locale), num: (n) => formatNumber(n, locale) };
}

function sendPage(req: Request, res: Response, ctx: Ctx, status: number, title: string, body: RawHtml): void {
  res
    .status(status)
    .type('html')
    .send(publicPage({ s: ctx.s, title, body, otherLanguageHref: otherLanguageHref(req.originalUrl, ctx.s.otherLanguage.lang), style: CARD_STYLE }));
}

const messagePage = (req: Request, res: Response, ctx: Ctx, status: number, m: { title: string; body: string }): void =>
  sendPage(req, res, ctx, status, m.title, html`<div class="card"><h1>${m.title}</h1><p>${m.body}</p></div>`);

async function qrSvg(url: string): Promise<RawHtml> {
  // The library's own SVG markup (no script); sized by the page's style.
  return raw(await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 }));
}

async function cardHtml(ctx: Ctx, config: Config, o: { name: string; qrToken: string; heading: string; hint: string; printable: boolean }): Promise<RawHtml> {
  return html`<div class="card qr-card"><h2>${o.heading}</h2><p class="qr-name">${o.name}</p>${await qrSvg(qrCardUrl(config.http.publicBaseUrl, o.qrToken))}<p class="qr-code" aria-label="${ctx.p.family.card.code}">${cardCodeOf(o.qrToken)}</p><p class="notice">${o.hint}</p>${
    o.printable ? html`<p class="notice print-hint">${ctx.p.family.card.print}</p>` : ''
  }</div>`;
}

/** The /s/ pages' line to the family's own page (`<that link>/family`); nothing for a volunteer. */
export function familyPageLinkLine(ctx: { locale: Locale; selfPath: string }, person: { kind: 'family' | 'volunteer' }): RawHtml | string {
  if (person.kind !== 'family') return '';
  return html`<p><a href="${ctx.selfPath}/family?lang=${ctx.locale}">${catalogFor(ctx.locale).spending.family.openFromLink}</a></p>`;
}

/** The page behind a QR card, for anyone: the holder's name, the QR and the short code; nothing else. */
export function qrCardHandler(deps: Pick<FamilyHomeDeps, 'repos' | 'config'>): RequestHandler {
  return async (req, res) => {
    const page = res.locals.signedPage ? signedPageOf(res) : undefined;
    const ctx = ctxFor(page?.locale ?? pickLocale(req, deps.config.http.defaultLocale));
    const token = String(req.params.qrToken ?? '');
    const person = token.length > 0 && token.length <= 200 ? await deps.repos.people.personByQrToken(token) : undefined;
    const holder =
      person?.kind === 'family'
        ? await deps.repos.people.familyHousehold(person.id)
        : person?.kind === 'volunteer'
          ? await deps.repos.people.volunteerName(person.id)
          : undefined;
    if (!holder) return messagePage(req, res, ctx, 404, ctx.p.qrCard.notFound);
    const q = ctx.p.qrCard;
    sendPage(req, res, ctx, 200, q.title, await cardHtml(ctx, deps.config, { name: holder.name, qrToken: token, heading: q.title, hint: q.hint, printable: true }));
  };
}

/** What one ledger entry was, in plain words. */
function entryWords(ctx: Ctx, e: PointsEntry, titles: ReadonlyMap<string, string>, rewards: ReadonlyMap<string, string>, byId: ReadonlyMap<string, PointsEntry>): string {
  const w = ctx.p.family.points;
  const ruleOf = (rule: string | null) => (rule ? (w.rules[rule] ?? w.otherRule) : w.otherRule);
  const titleOf = (id: string | null) => (id ? titles.get(id) : undefined);
  switch (e.kind) {
    case 'award':
      return w.award(ruleOf(e.rule), titleOf(e.activityId));
    case 'redemption':
      return w.redemption(rewards.get(e.id) ?? '—');
    case 'expiry':
      return w.expiry;
    case 'reversal': {
      const original = e.reversesEntryId ? byId.get(e.reversesEntryId) : undefined;
      if (e.amount > 0 || original?.kind === 'redemption') return w.refund(rewards.get(e.id) ?? '—');
      return w.awardReversed(ruleOf(e.rule), titleOf(e.activityId));
    }
  }
}

function couponWhen(ctx: Ctx, c: CouponView): string {
  const w = ctx.p.family.coupons;
  if (c.status === 'used' && c.usedAt) return w.usedAt(ctx.when(c.usedAt));
  if (c.status === 'refunded' && c.refundedAt) return w.refundedAt(ctx.when(c.refundedAt));
  if (c.status === 'expired') return w.expiredAt(ctx.when(c.expiresAt));
  return w.validUntil(ctx.when(c.expiresAt));
}

/** A coupon's status as a badge (the vocabulary's word). */
export function couponBadge(p: SpendingProse, c: Pick<CouponView, 'status'>): RawHtml {
  return html`<span class="badge ${c.status}">${p.couponStatuses[c.status]}</span>`;
}

export function createFamilyHomeRouter(deps: FamilyHomeDeps): Router {
  const { repos, config, now } = deps;
  const router = Router();
  const secure = config.http.publicBaseUrl.startsWith('https:');
  const publicOrigin = new URL(config.http.publicBaseUrl).origin;
  const ledger = repos.ledger({ now: () => new Date(now()) });
  const coupons = repos.coupons({ now: () => new Date(now()) });
  const PATHS = [FAMILY_PAGE_PREFIX, `${SELF_SERVICE_PREFIX}/:token/family`];
  const pathOf = (req: Request): string => req.originalUrl.split('?')[0] ?? '/';
  const ctxOf = (req: Request, res: Response): Ctx =>
    ctxFor((res.locals.signedPage ? signedPageOf(res).locale : undefined) ?? pickLocale(req, config.http.defaultLocale));

  router.use(
    PATHS,
    signedPage({
      now,
      rateLimits: [deps.rateLimit],
      locale: (req) => pickLocale(req, config.http.defaultLocale),
      // The page has no form; the cookie's rule is the self-service pages'.
      csrf: (req) => ({ name: CSRF_COOKIE, path: pathOf(req), secure, publicOrigin }),
      rateLimited(req, res) {
        const ctx = ctxOf(req, res);
        messagePage(req, res, ctx, 429, ctx.s.pages.rateLimited);
      },
    }),
  );

  // Any good link of the family's (a registration or check-in link, even one past its step) opens its page.
  router.get(`${SELF_SERVICE_PREFIX}/:token/family`, (req, res) => {
    const ctx = ctxOf(req, res);
    const link = readSelfServiceToken(String(req.params.token), deps.linkSecret, now());
    if (link.kind === 'invalid' || link.person.kind !== 'family') return messagePage(req, res, ctx, 400, ctx.p.family.pages.invalid);
    // A link past its step still proves it was sent to the family, for as long as a family page link lasts.
    if (link.kind === 'expired' && now() >= link.claims.exp * 1000 + FAMILY_PAGE_DAYS * 86_400_000) return messagePage(req, res, ctx, 410, ctx.p.family.pages.expired);
    const fresh = signFamilyPageLink(link.person.id, deps.linkSecret, config.http.publicBaseUrl, now());
    const url = new URL(fresh.url);
    res.redirect(303, `${url.pathname}?lang=${ctx.locale}`);
  });

  router.get(`${FAMILY_PAGE_PREFIX}/:token`, async (req, res) => {
    const ctx = ctxOf(req, res);
    const f = ctx.p.family;
    const link = readFamilyPageToken(String(req.params.token), deps.linkSecret, now());
    if (link.kind === 'invalid') return messagePage(req, res, ctx, 400, f.pages.invalid);
    if (link.kind === 'expired') return messagePage(req, res, ctx, 410, f.pages.expired);
    const family = await repos.familyHome.family(link.id);
    if (!family) return messagePage(req, res, ctx, 404, f.pages.notFound);

    const holder = { kind: 'family' as const, id: family.id };
    const [registrations, balance, history, rewards, own] = await Promise.all([
      repos.familyHome.registrationsOf(family.id),
      ledger.balance(holder),
      ledger.history(holder, { limit: 1000 }),
      ledger.listRewards(),
      coupons.forFamily(family.id),
    ]);
    const [titles, rewardNames] = await Promise.all([
      repos.familyHome.activityTitles(history.map((e) => e.activityId).filter((id): id is string => id !== null)),
      repos.familyHome.rewardsOfEntries(history),
    ]);
    const merchantNames = new Map<string, string>();
    for (const r of rewards) {
      if (r.merchantId && !merchantNames.has(r.merchantId)) merchantNames.set(r.merchantId, (await repos.familyHome.merchant(r.merchantId))?.name ?? '');
    }
    const byId = new Map(history.map((e) => [e.id, e]));

    // ---- registrations
    const rs = f.registrations;
    const stateOf = (r: (typeof registrations)[number]): string =>
      r.checkedInAt ? rs.states.checkedIn(ctx.when(r.checkedInAt)) : r.status === 'registered' ? rs.states.registered(r.members) : r.status === 'waitlisted' ? rs.states.waitlisted : rs.states.cancelled;
    const registrationsHtml = registrations.length
      ? html`<table><tr><td class="l">${rs.columns.activity}</td><td class="l">${rs.columns.time}</td><td class="l">${rs.columns.state}</td></tr>${registrations.map(
          (r) => html`<tr><td>${r.title}</td><td>${ctx.s.range(r.startsAt, r.endsAt)}</td><td>${stateOf(r)}</td></tr>`,
        )}</table>`
      : html`<p class="notice">${rs.none}</p>`;

    // ---- points
    const w = f.points;
    const { lots } = replayLots(history.map((e) => ({ id: e.id, kind: e.kind, amount: e.amount, earnedAt: e.earnedAt, expiresAt: e.expiresAt, createdAt: e.createdAt, reversesEntryId: e.reversesEntryId })));
    const expiring = new Map<string, number>();
    for (const lot of lots) {
      if (lot.remaining <= 0 || lot.expiresAt === null || Date.parse(lot.expiresAt) <= now()) continue;
      expiring.set(lot.expiresAt, (expiring.get(lot.expiresAt) ?? 0) + lot.remaining);
    }
    const expiringHtml = expiring.size
      ? html`<ul>${[...expiring.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([at, n]) => html`<li>${w.expiring.line(w.unit(ctx.num(n)), ctx.when(at))}</li>`)}</ul>`
      : html`<p class="notice">${w.expiring.none}</p>`;
    const signed = (n: number) => (n > 0 ? `+${ctx.num(n)}` : ctx.num(n));
    const historyHtml = history.length
      ? html`<table><tr><td class="l">${w.columns.when}</td><td class="l">${w.columns.what}</td><td class="l n">${w.columns.points}</td></tr>${history.map(
          (e) => html`<tr><td>${ctx.when(e.createdAt)}</td><td>${entryWords(ctx, e, titles, rewardNames, byId)}</td><td class="n">${signed(e.amount)}</td></tr>`,
        )}</table>`
      : html`<p class="notice">${w.none}</p>`;

    // ---- rewards and coupons
    const rw = f.rewards;
    const whereOf = (r: Reward) => (r.merchantId ? (merchantNames.get(r.merchantId) ?? '') : rw.education);
    const rewardsHtml = rewards.length
      ? html`<table><tr><td class="l">${rw.columns.reward}</td><td class="l">${rw.columns.where}</td><td class="l n">${rw.columns.price}</td><td class="l n">${rw.columns.stock}</td></tr>${rewards.map(
          (r) => html`<tr><td>${r.name}</td><td>${whereOf(r)}</td><td class="n">${ctx.num(r.price)}</td><td class="n">${r.stock > 0 ? ctx.num(r.stock) : rw.outOfStock}</td></tr>`,
        )}</table><p class="notice">${rw.howTo}</p>`
      : html`<p class="notice">${rw.none}</p>`;
    const cw = f.coupons;
    const couponsHtml = own.length
      ? html`<ul class="coupons">${own.map(
          (c) => html`<li class="coupon ${c.status}"><div><strong>${c.rewardName}</strong>${c.merchantName ? html` <span class="notice">${c.merchantName}</span>` : ''}</div><div class="coupon-code" aria-label="${cw.columns.code}">${c.code}</div><div>${couponBadge(ctx.p, c)} <span class="notice">${couponWhen(ctx, c)}</span></div></li>`,
        )}</ul>`
      : html`<p class="notice">${cw.none}</p>`;

    const card = await cardHtml(ctx, config, { name: family.name, qrToken: family.qrToken, heading: f.card.heading, hint: f.card.hint, printable: true });
    sendPage(
      req,
      res,
      ctx,
      200,
      f.title,
      html`<div class="card"><h1>${f.title}</h1><p>${f.hello(family.name)}</p><p class="notice">${f.intro}</p></div><div class="card" id="points"><h2>${w.heading}</h2><p>${w.balance}</p><p class="balance">${w.unit(
        ctx.num(balance),
      )}</p><h2>${w.expiring.heading}</h2>${expiringHtml}</div><div class="card" id="coupons"><h2>${cw.heading}</h2>${couponsHtml}</div>${card}<div class="card" id="registrations"><h2>${rs.heading}</h2>${registrationsHtml}</div><div class="card" id="history"><h2>${w.history}</h2>${historyHtml}</div><div class="card" id="rewards"><h2>${rw.heading}</h2>${rewardsHtml}</div>`,
    );
  });

  router.use(PATHS, (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const known = toHttpError(err);
    // An outage: the app's one "try again shortly" page (503, Retry-After), not "something went wrong".
    if (known?.status === 503) return next(err);
    if (!known || known.status >= 500) deps.logger.error('family page failed', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    const ctx = ctxOf(req, res);
    messagePage(req, res, ctx, known?.status ?? 500, (known?.status ?? 500) < 500 ? ctx.s.pages.invalid : ctx.s.pages.error);
  });

  return router;
}
