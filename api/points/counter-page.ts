/**
 * The rewards counter (staff, phone first), on the dashboard router:
 *
 *   GET  /dashboard/points/counter[?code=]      find a family by its card (typed short code, or the
 *                                               QR scanned into the same field); its name, balance,
 *                                               the rewards it can take, and its coupons (no codes)
 *   POST /dashboard/points/counter/redeem       {familyId, rewardId, key}: redeem (idempotent by the
 *                                               form's key: a resent form answers the same coupon);
 *                                               the coupon's code is shown here, once, and emailed
 *                                               to the family with a link to its own page
 *   POST /dashboard/points/counter/use          {familyId, redemptionId}: an education reward handed over
 *   POST /dashboard/points/counter/refund       {familyId, redemptionId, reason}: points back (a ledger reversal)
 *   GET  /dashboard/points/merchants            (coordinators) merchants in the catalogue, each with a
 *   POST /dashboard/points/merchants/:id/send   button that emails the merchant its coupon-check link (/m/)
 *
 * Who: the staff who may redeem through the API (DESK_STAFF); property managers and grid workers
 * only for families of their own compound (as the API's assertCompound).
 */
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { Config } from '../../config';
import type { FamilyCard, Repositories } from '../../db/repositories';
import type { CouponView } from '../../db/services/coupons';
import { LedgerError } from '../../db/services/ledger';
import { CheckInError } from '../../db/services/checkin';
import { catalogFor } from '../../i18n';
import type { SpendingProse } from '../../i18n/catalog';
import { formatDateTime, formatNumber } from '../../i18n/format';
import type { Mailer } from '../../mail/mailer';
import { personByScan } from '../check-in/routes';
import { DashboardForbidden, DashboardNotFound, assertCoordinator, compoundScope } from '../dashboard/access';
import type { PageCtx } from '../dashboard/page-context';
import { couponBadge } from '../family/home-page';
import type { Logger } from '../http/errors';
import { DESK_STAFF } from '../http/feature-routes';
import { html, raw, type RawHtml } from '../http/html';
import { cameraScanner } from '../check-in/scanner';
import { messageCard } from '../http/layout';
import { formField } from '../http/session';
import { signedPageOf } from '../http/signed-page';
import { Id } from '../../domain/schemas';
import { createCouponMail, type SendOutcome } from './coupon-mail';

export interface CounterPagesDeps {
  repos: Repositories;
  config: Config;
  mailer: Mailer;
  linkSecret: string;
  logger: Logger;
  now: () => number;
}

const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
const COUNTER = '/dashboard/points/counter';
const MAX_CODE = 300;

type Note = { kind: 'ok' | 'error'; lines: string[] };

export function counterPages(router: Router, deps: CounterPagesDeps, ctxOf: (req: Request, res: Response) => PageCtx): void {
  const { repos } = deps;
  const clock = () => new Date(deps.now());
  const ledger = repos.ledger({ now: clock });
  const coupons = repos.coupons({ now: clock });
  const mail = createCouponMail(deps);

  const words = (ctx: PageCtx): SpendingProse => catalogFor(ctx.locale).spending;
  const when = (ctx: PageCtx, iso: string) => formatDateTime(iso, ctx.locale);
  const num = (ctx: PageCtx, n: number) => formatNumber(n, ctx.locale);
  const pts = (ctx: PageCtx, n: number) => words(ctx).family.points.unit(num(ctx, n));

  /** The staff who may redeem through the API (DESK_STAFF); the supervisor reads no family's ledger. */
  const deskCtx = (req: Request, res: Response): PageCtx => {
    const ctx = ctxOf(req, res);
    if (!DESK_STAFF.includes(ctx.viewer.role)) throw new DashboardForbidden('points');
    return ctx;
  };
  const assertFamilyVisible = (ctx: PageCtx, family: FamilyCard): void => {
    const own = compoundScope(ctx.viewer);
    if (own !== undefined && own !== family.compoundId) throw new DashboardForbidden('otherCompound');
  };
  const refuseForeignForm = (ctx: PageCtx, res: Response): boolean => {
    if (signedPageOf(res).formIsOurs()) return false;
    const f = ctx.s.page.pages.forbidden;
    ctx.render(403, f.title, messageCard(f.title, [f.body], html`<p><a href="${COUNTER}">${words(ctx).counter.heading}</a></p>`));
    return true;
  };

  function findForm(ctx: PageCtx, res: Response, code: string): RawHtml {
    const c = words(ctx).counter;
    const scanner = cameraScanner(res, ctx.locale, 'code');
    return html`<div class="card"><h1>${c.heading}</h1><p class="notice">${c.intro}</p><form method="get" action="${COUNTER}" class="search"><input type="hidden" name="lang" value="${ctx.locale}"><label for="code">${c.codeLabel}</label>${scanner.markup}<input type="text" id="code" name="code" value="${code}" maxlength="${MAX_CODE}" autocomplete="off" autocapitalize="characters" placeholder="${c.codeHint}" required><div class="buttons"><button type="submit">${c.find}</button></div></form>${scanner.scripts}<p class="muted"><a href="/dashboard/points/award?lang=${ctx.locale}">${catalogFor(ctx.locale).pointsAward.nav}</a></p>${ctx.viewer.role === 'coordinator' ? html`<p class="muted"><a href="/dashboard/points/merchants">${c.merchantsLink}</a></p>` : ''}</div>`;
  }

  function noteHtml(note: Note | undefined): RawHtml | string {
    return note ? html`<div class="${note.kind}">${note.lines.map((l) => html`<p>${l}</p>`)}</div>` : '';
  }

  function couponRow(ctx: PageCtx, family: FamilyCard, c: CouponView): RawHtml {
    const w = words(ctx);
    const cw = w.family.coupons;
    const dates =
      c.status === 'used' && c.usedAt ? cw.usedAt(when(ctx, c.usedAt)) : c.status === 'refunded' && c.refundedAt ? cw.refundedAt(when(ctx, c.refundedAt)) : c.status === 'expired' ? cw.expiredAt(when(ctx, c.expiresAt)) : cw.validUntil(when(ctx, c.expiresAt));
    const hidden = html`<input type="hidden" name="csrf" value="${ctx.csrf}"><input type="hidden" name="familyId" value="${family.id}"><input type="hidden" name="redemptionId" value="${c.redemptionId}">`;
    const use =
      c.status === 'issued' && c.rewardKind === 'education'
        ? html`<form method="post" action="${COUNTER}/use?lang=${ctx.locale}" class="inline">${hidden}<button type="submit">${w.counter.markUsed}</button></form> `
        : '';
    const refund =
      c.status === 'issued' || c.status === 'expired'
        ? html`<form method="post" action="${COUNTER}/refund?lang=${ctx.locale}" class="inline">${hidden}<input type="text" name="reason" maxlength="200" required aria-label="${w.counter.refundReason}" placeholder="${w.counter.refundReason}"><button type="submit" class="secondary">${w.counter.refund}</button></form>`
        : '';
    return html`<li><div class="what">${c.rewardName}${c.merchantName ? html` <span class="muted">${c.merchantName}</span>` : ''} ${couponBadge(w, c)}</div><div class="when">${when(ctx, c.issuedAt)} · ${dates}</div>${use}${refund}</li>`;
  }

  async function familyPanel(ctx: PageCtx, family: FamilyCard, note?: Note): Promise<RawHtml> {
    const c = words(ctx).counter;
    const [balance, rewards, own, compound] = await Promise.all([
      ledger.balance({ kind: 'family', id: family.id }),
      ledger.listRewards(),
      coupons.forFamily(family.id),
      repos.people.compoundName(family.compoundId),
    ]);
    const choices = rewards.map((r) => {
      const why = r.stock <= 0 ? c.outOfStock : r.price > balance ? c.tooExpensive : '';
      return html`<label class="choice"><input type="radio" name="rewardId" value="${r.id}" required${raw(why ? ' disabled' : '')}><span>${c.rewardLine(r.name, pts(ctx, r.price), r.stock)}${why ? html` <span class="muted">（${why}）</span>` : ''}</span></label>`;
    });
    const anyAvailable = rewards.some((r) => r.stock > 0 && r.price <= balance);
    const redeemForm = anyAvailable
      ? html`<form method="post" action="${COUNTER}/redeem?lang=${ctx.locale}"><input type="hidden" name="csrf" value="${ctx.csrf}"><input type="hidden" name="familyId" value="${family.id}"><input type="hidden" name="key" value="${randomUUID()}"><fieldset class="choices"><legend>${c.chooseReward}</legend>${choices}</fieldset><div class="buttons"><button type="submit">${c.redeem}</button></div></form>`
      : html`<p class="muted">${c.noRewards}</p>${rewards.length ? html`<ul class="records">${rewards.map((r) => html`<li>${c.rewardLine(r.name, pts(ctx, r.price), r.stock)}</li>`)}</ul>` : ''}`;
    return html`<div class="card" id="family">${noteHtml(note)}<h2>${family.name} <small>${compound ?? family.compoundId}</small></h2><p class="balance-line"><strong>${c.balance(pts(ctx, balance))}</strong></p>${redeemForm}</div><div class="card" id="coupons"><h2>${c.couponsHeading}</h2>${
      own.length ? html`<ul class="records">${own.map((x) => couponRow(ctx, family, x))}</ul>` : html`<p class="muted">${c.noCoupons}</p>`
    }<p><a href="${COUNTER}?lang=${ctx.locale}">${c.another}</a></p></div>`;
  }

  async function render(ctx: PageCtx, res: Response, status: number, o: { code?: string; family?: FamilyCard; note?: Note } = {}): Promise<void> {
    const c = words(ctx).counter;
    const body = html`${findForm(ctx, res, o.code ?? '')}${o.family ? await familyPanel(ctx, o.family, o.note) : o.note ? html`<div class="card">${noteHtml(o.note)}</div>` : ''}`;
    ctx.render(status, c.heading, body);
  }

  /** The family a form names, in the viewer's scope; a 404 page otherwise. */
  async function familyOfForm(ctx: PageCtx, body: unknown): Promise<FamilyCard> {
    const id = formField(body, 'familyId');
    if (!Id.safeParse(id).success) throw new DashboardNotFound();
    const family = await repos.familyHome.family(id);
    if (!family) throw new DashboardNotFound();
    assertFamilyVisible(ctx, family);
    return family;
  }

  const mailNote = (ctx: PageCtx, family: FamilyCard, outcome: SendOutcome): string =>
    outcome === 'pending' ? words(ctx).counter.emailPending : words(ctx).counter.emailed(family.name);

  router.get('/points/counter', async (req, res) => {
    const ctx = deskCtx(req, res);
    const c = words(ctx).counter;
    const code = typeof req.query.code === 'string' ? req.query.code.trim().slice(0, MAX_CODE) : '';
    if (!code) return render(ctx, res, 200);
    let person: { kind: 'family' | 'volunteer'; id: string };
    try {
      person = await personByScan(repos, code);
    } catch (err) {
      if (err instanceof CheckInError) return render(ctx, res, 404, { code, note: { kind: 'error', lines: [c.notFound] } });
      throw err;
    }
    if (person.kind !== 'family') return render(ctx, res, 400, { code, note: { kind: 'error', lines: [c.volunteerCard] } });
    const family = await repos.familyHome.family(person.id);
    if (!family) return render(ctx, res, 404, { code, note: { kind: 'error', lines: [c.notFound] } });
    assertFamilyVisible(ctx, family);
    await render(ctx, res, 200, { code, family });
  });

  router.post('/points/counter/redeem', form, async (req, res) => {
    const ctx = deskCtx(req, res);
    if (refuseForeignForm(ctx, res)) return;
    const c = words(ctx).counter;
    const family = await familyOfForm(ctx, req.body);
    const rewardId = formField(req.body, 'rewardId');
    const key = formField(req.body, 'key');
    if (!Id.safeParse(rewardId).success) return render(ctx, res, 400, { family, note: { kind: 'error', lines: [c.refused.unknownReward] } });
    if (!/^[0-9a-f-]{36}$/.test(key)) return render(ctx, res, 400, { family, note: { kind: 'error', lines: [c.refused.keyReused] } });
    try {
      const { coupon, balance, created } = await coupons.issue(family.id, rewardId, `counter:${key}`);
      const outcome = await mail.sendCoupon(coupon, balance);
      const first = created ? c.issued(coupon.rewardName, coupon.code, pts(ctx, balance)) : c.existing(coupon.rewardName, coupon.code);
      return render(ctx, res, created ? 201 : 200, { family, note: { kind: 'ok', lines: [first, mailNote(ctx, family, outcome)] } });
    } catch (err) {
      if (err instanceof LedgerError) {
        const text =
          err.code === 'INSUFFICIENT_POINTS' ? c.refused.insufficient : err.code === 'OUT_OF_STOCK' ? c.refused.outOfStock : err.code === 'REWARD_NOT_FOUND' ? c.refused.unknownReward : err.code === 'IDEMPOTENCY_KEY_REUSED' ? c.refused.keyReused : undefined;
        if (text) return render(ctx, res, err.code === 'REWARD_NOT_FOUND' ? 400 : 409, { family, note: { kind: 'error', lines: [text] } });
      }
      throw err;
    }
  });

  async function couponOfForm(ctx: PageCtx, family: FamilyCard, body: unknown): Promise<CouponView | undefined> {
    const id = formField(body, 'redemptionId');
    if (!Id.safeParse(id).success) return undefined;
    return (await coupons.forFamily(family.id)).find((x) => x.redemptionId === id);
  }

  router.post('/points/counter/use', form, async (req, res) => {
    const ctx = deskCtx(req, res);
    if (refuseForeignForm(ctx, res)) return;
    const c = words(ctx).counter;
    const family = await familyOfForm(ctx, req.body);
    const coupon = await couponOfForm(ctx, family, req.body);
    if (!coupon) return render(ctx, res, 404, { family, note: { kind: 'error', lines: [c.useRefused.notFound] } });
    const result = await coupons.markUsed(coupon.code, { kind: 'staff', staffId: ctx.viewer.staffId });
    if (result.ok) return render(ctx, res, 200, { family, note: { kind: 'ok', lines: [c.markedUsed(coupon.rewardName, when(ctx, result.coupon.usedAt ?? ''))] } });
    const text = result.reason === 'alreadyUsed' && result.coupon?.usedAt ? c.alreadyUsedAt(when(ctx, result.coupon.usedAt)) : c.useRefused[result.reason];
    return render(ctx, res, 409, { family, note: { kind: 'error', lines: [text] } });
  });

  router.post('/points/counter/refund', form, async (req, res) => {
    const ctx = deskCtx(req, res);
    if (refuseForeignForm(ctx, res)) return;
    const c = words(ctx).counter;
    const family = await familyOfForm(ctx, req.body);
    const coupon = await couponOfForm(ctx, family, req.body);
    if (!coupon) return render(ctx, res, 404, { family, note: { kind: 'error', lines: [c.refundRefused.notFound] } });
    const reason = formField(req.body, 'reason').trim();
    if (!reason || reason.length > 200) return render(ctx, res, 400, { family, note: { kind: 'error', lines: [c.reasonRequired] } });
    const result = await coupons.refund(coupon.code, { staffId: ctx.viewer.staffId, note: reason });
    if (result.ok) return render(ctx, res, 200, { family, note: { kind: 'ok', lines: [c.refunded(coupon.rewardName, pts(ctx, result.balance))] } });
    return render(ctx, res, 409, { family, note: { kind: 'error', lines: [c.refundRefused[result.reason]] } });
  });

  // ---- merchants' coupon links (coordinators) ---------------------------------------------------

  async function merchantsPage(ctx: PageCtx, status: number, note?: Note): Promise<void> {
    const m = words(ctx).merchants;
    const merchants = await repos.familyHome.merchantsWithRewards();
    const rows = merchants.map(
      (x) =>
        html`<tr><td data-label="${m.columns.merchant}">${x.name}${x.active ? '' : html` <span class="badge grey">${m.inactive}</span>`}</td><td data-label="${m.columns.email}">${x.email}</td><td data-label="${m.columns.action}">${
          x.active
            ? html`<form method="post" action="/dashboard/points/merchants/${encodeURIComponent(x.id)}/send?lang=${ctx.locale}" class="inline"><input type="hidden" name="csrf" value="${ctx.csrf}"><button type="submit">${m.send}</button></form>`
            : ''
        }</td></tr>`,
    );
    ctx.render(
      status,
      m.heading,
      html`<div class="card"><h1>${m.heading}</h1>${noteHtml(note)}<p class="notice">${m.intro}</p>${
        merchants.length
          ? html`<table class="cards"><thead><tr><th>${m.columns.merchant}</th><th>${m.columns.email}</th><th>${m.columns.action}</th></tr></thead><tbody>${rows}</tbody></table>`
          : html`<p class="muted">${m.none}</p>`
      }<p><a href="${COUNTER}?lang=${ctx.locale}">${words(ctx).counter.heading}</a></p></div>`,
    );
  }

  router.get('/points/merchants', async (req, res) => {
    const ctx = ctxOf(req, res);
    assertCoordinator(ctx.viewer);
    await merchantsPage(ctx, 200);
  });

  router.post('/points/merchants/:id/send', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    assertCoordinator(ctx.viewer);
    if (refuseForeignForm(ctx, res)) return;
    const id = String(req.params.id);
    const merchant = Id.safeParse(id).success ? await repos.familyHome.merchant(id) : undefined;
    if (!merchant || !merchant.active) throw new DashboardNotFound();
    const outcome = await mail.sendMerchantLink(merchant);
    const m = words(ctx).merchants;
    await merchantsPage(ctx, 200, { kind: outcome === 'pending' ? 'error' : 'ok', lines: [outcome === 'pending' ? words(ctx).counter.emailPending : m.sent(merchant.name)] });
  });
}
