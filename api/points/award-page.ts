/**
 * The staff page that awards growth points outside an activity (家庭学习 family learning, 志愿服务
 * volunteering outside an activity), on the dashboard router, phone first:
 *
 *   GET  /dashboard/points/award[?q=]            find a family by name (property managers and grid workers: their
 *                                                compound's families; coordinators: every compound's)
 *   GET  /dashboard/points/award?family=<id>     the family's balance, the cap left, latest history, and the form
 *   POST /dashboard/points/award                 awards (award.ts, as the JSON route does), then back to the family
 *                                                with the award named (Post/Redirect/Get); errors beside their fields
 *
 * Each form carries its own idempotency key (made when the form is shown), so a double tap or a
 * resent form awards once. Supervisors get the points-forbidden page, as for the leaderboard.
 */
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { Repositories } from '../../db/repositories';
import type { Family } from '../../db/services/directory';
import { LedgerError, type PointsEntry } from '../../db/services/ledger';
import { STAFF_AWARD_MAX, STAFF_AWARD_PATHS, type StaffAwardPath } from '../../domain/points';
import { Id } from '../../domain/schemas';
import { STAFF_AWARD_PATH_TERMS, label } from '../../domain/vocabulary';
import { catalogFor } from '../../i18n';
import { formatNumber } from '../../i18n/format';
import type { PointsAwardPageProse } from '../../i18n/catalog';
import { DashboardForbidden, DashboardNotFound } from '../dashboard/access';
import type { PageCtx } from '../dashboard/page-context';
import type { StaffPrincipal } from '../http/auth';
import { HttpError } from '../http/errors';
import { html, type RawHtml } from '../http/html';
import { messageCard } from '../http/layout';
import { formField } from '../http/session';
import { signedPageOf } from '../http/signed-page';
import { POINTS_AWARDERS, STAFF_AWARD_REASON_MAX, StaffAwardBody, staffAwards } from './award';

export const POINTS_AWARD_PATH = '/points/award';
const PAGE = `/dashboard${POINTS_AWARD_PATH}`;
const MAX_RESULTS = 50;

type Field = 'path' | 'points' | 'reason';
type FieldErrors = Partial<Record<Field, string>>;
interface FormValues {
  path: string;
  points: string;
  reason: string;
  key: string;
}

const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

export interface PointsAwardPagesDeps {
  repos: Repositories;
  /** Epoch ms. */
  now: () => number;
}

export function pointsAwardPages(router: Router, deps: PointsAwardPagesDeps, ctxOf: (req: Request, res: Response) => PageCtx): void {
  const { repos } = deps;
  const awards = staffAwards(repos, deps.now);
  const ledger = repos.ledger({ now: () => new Date(deps.now()) });
  const words = (ctx: PageCtx): PointsAwardPageProse => catalogFor(ctx.locale).pointsAward;

  /** Who may open the page, and the compound they are bound to (undefined: a coordinator). */
  const awarderCtx = (req: Request, res: Response): { ctx: PageCtx; own: string | undefined } => {
    const ctx = ctxOf(req, res);
    if (!(POINTS_AWARDERS as readonly string[]).includes(ctx.viewer.role)) throw new DashboardForbidden('points');
    if (ctx.viewer.role === 'coordinator') return { ctx, own: undefined };
    if (!ctx.viewer.compound) throw new DashboardForbidden('noCompound');
    return { ctx, own: ctx.viewer.compound };
  };

  const principalOf = (ctx: PageCtx): StaffPrincipal => ({
    staffId: ctx.viewer.staffId,
    role: ctx.viewer.role,
    name: ctx.viewer.name,
    ...(ctx.viewer.compound ? { compound: ctx.viewer.compound } : {}),
  });

  /** The family asked for, when the viewer may award it points. */
  const familyOr404 = async (id: string, own: string | undefined): Promise<Family> => {
    const family = Id.safeParse(id).success ? await repos.directory.getFamily(id) : undefined;
    if (!family) throw new DashboardNotFound();
    if (own !== undefined && family.compoundId !== own) throw new DashboardForbidden('otherCompound');
    return family;
  };

  async function renderFamily(
    ctx: PageCtx,
    status: number,
    family: Family,
    o: { values?: FormValues; errors?: FieldErrors; banner?: { kind: 'ok' | 'error'; text: string } } = {},
  ): Promise<void> {
    const holder = { kind: 'family' as const, id: family.id };
    const [balance, room, history, compounds] = await Promise.all([ledger.balance(holder), ledger.capRoom(holder), ledger.history(holder, { limit: 10 }), repos.people.compoundNames()]);
    const w = words(ctx);
    ctx.render(status, w.chosenHeading(family.name), familyBody(ctx, { family, compoundName: compounds.get(family.compoundId) ?? family.compoundId, balance, room, history, ...o }), 'leaderboard');
  }

  router.get(POINTS_AWARD_PATH, async (req, res) => {
    const { ctx, own } = awarderCtx(req, res);
    const w = words(ctx);
    const familyId = typeof req.query.family === 'string' ? req.query.family : '';
    if (familyId) {
      const family = await familyOr404(familyId, own);
      const awardedId = typeof req.query.awarded === 'string' ? req.query.awarded : '';
      const awarded = awardedId ? (await ledger.history({ kind: 'family', id: family.id }, { limit: 50 })).find((e) => e.id === awardedId && e.kind === 'award') : undefined;
      const banner = awarded
        ? { kind: 'ok' as const, text: w.awarded(formatNumber(awarded.amount, ctx.locale), family.name, pathWord(awarded.rule, ctx), formatNumber(await ledger.balance({ kind: 'family', id: family.id }), ctx.locale)) }
        : undefined;
      return renderFamily(ctx, 200, family, banner ? { banner } : {});
    }
    const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 100) : '';
    const [all, compounds] = await Promise.all([repos.directory.listFamilies({ ...(own !== undefined ? { compoundId: own } : {}), activeOnly: true }), repos.people.compoundNames()]);
    const needle = q.toLowerCase();
    const found = needle ? all.filter((f) => f.name.toLowerCase().includes(needle)).sort((a, b) => a.name.localeCompare(b.name, 'zh-CN')) : [];
    ctx.render(200, w.heading, searchBody(ctx, { q, found: found.slice(0, MAX_RESULTS), total: found.length, compounds, showCompound: own === undefined }), 'leaderboard');
  });

  router.post(POINTS_AWARD_PATH, form, async (req, res) => {
    const { ctx, own } = awarderCtx(req, res);
    if (!signedPageOf(res).formIsOurs()) {
      const f = ctx.s.page.pages.forbidden;
      return ctx.render(403, f.title, messageCard(f.title, [f.body], html`<p><a href="${PAGE}">${words(ctx).heading}</a></p>`), 'leaderboard');
    }
    const family = await familyOr404(formField(req.body, 'family'), own);
    const values: FormValues = { path: formField(req.body, 'path'), points: formField(req.body, 'points'), reason: formField(req.body, 'reason'), key: formField(req.body, 'key') };
    const w = words(ctx);
    const parsed = StaffAwardBody.safeParse({
      path: values.path,
      points: /^\s*\d{1,7}\s*$/.test(values.points) ? Number(values.points) : Number.NaN,
      reason: values.reason,
      idempotencyKey: values.key,
    });
    if (!parsed.success) {
      const errors: FieldErrors = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0];
        if (field === 'path') errors.path = w.errors.path;
        else if (field === 'points') errors.points = w.errors.points(STAFF_AWARD_MAX);
        else if (field === 'reason') errors.reason = issue.code === 'too_big' ? w.errors.reasonTooLong(STAFF_AWARD_REASON_MAX) : w.errors.reason;
      }
      // A form without its key was not made by this page: show a fresh one.
      if (Object.keys(errors).length === 0) return renderFamily(ctx, 400, family, { values: { ...values, key: randomUUID() }, banner: { kind: 'error', text: w.errors.keyReused } });
      return renderFamily(ctx, 400, family, { values, errors, banner: { kind: 'error', text: w.errors.heading } });
    }
    try {
      const { entry } = await awards.award(principalOf(ctx), family.id, parsed.data);
      res.redirect(303, `${PAGE}?family=${encodeURIComponent(family.id)}&awarded=${encodeURIComponent(entry.id)}`);
    } catch (err) {
      if (err instanceof LedgerError && err.code === 'EARNING_CAP_REACHED') {
        const room = await ledger.capRoom({ kind: 'family', id: family.id });
        const n = (v: number) => formatNumber(v, ctx.locale);
        const text = room ? w.errors.cap(n(room.cap), w.periods[room.period], n(room.earned), n(room.left)) : err.message;
        return renderFamily(ctx, 409, family, { values, banner: { kind: 'error', text } });
      }
      if (err instanceof LedgerError && err.code === 'IDEMPOTENCY_KEY_REUSED') {
        return renderFamily(ctx, 409, family, { values: { ...values, key: randomUUID() }, banner: { kind: 'error', text: w.errors.keyReused } });
      }
      if (err instanceof HttpError && err.code === 'OTHER_COMPOUND') throw new DashboardForbidden('otherCompound');
      throw err;
    }
  });
}

/** The earning path's word for a staff award's rule; an activity's rule in the activity page's words. */
function pathWord(rule: string | null, ctx: PageCtx): string {
  if (rule !== null && (STAFF_AWARD_PATHS as readonly string[]).includes(rule)) return label(STAFF_AWARD_PATH_TERMS, rule as StaffAwardPath, ctx.locale);
  return rule === null ? '' : (ctx.s.activity.pointsRules[rule] ?? rule);
}

function searchBody(
  ctx: PageCtx,
  v: { q: string; found: Family[]; total: number; compounds: ReadonlyMap<string, string>; showCompound: boolean },
): RawHtml {
  const w = catalogFor(ctx.locale).pointsAward;
  const search = html`<form class="search" method="get" action="${PAGE}"><label for="q">${w.searchLabel}</label><div class="row"><input type="search" id="q" name="q" value="${v.q}" required maxlength="100" autocomplete="off"><button type="submit">${w.searchButton}</button></div></form>`;
  const rows = v.found.map(
    (f) =>
      html`<tr><td class="name">${f.name}</td>${v.showCompound ? html`<td data-label="${w.compound}">${v.compounds.get(f.compoundId) ?? f.compoundId}</td>` : ''}<td><a href="${PAGE}?family=${encodeURIComponent(f.id)}">${w.choose}</a></td></tr>`,
  );
  const results = v.q
    ? v.found.length
      ? html`<p class="muted">${w.results(v.total)}</p><table class="cards"><tbody>${rows}</tbody></table>`
      : html`<p class="muted">${w.noResults}</p>`
    : '';
  return html`<div class="card"><h1>${w.heading}</h1><p class="muted">${w.intro}</p>${search}${results}</div>`;
}

function familyBody(
  ctx: PageCtx,
  v: {
    family: Family;
    compoundName: string;
    balance: number;
    room: { cap: number; period: 'month' | 'year'; earned: number; left: number } | null;
    history: PointsEntry[];
    values?: FormValues;
    errors?: FieldErrors;
    banner?: { kind: 'ok' | 'error'; text: string };
  },
): RawHtml {
  const w = catalogFor(ctx.locale).pointsAward;
  const n = (x: number) => formatNumber(x, ctx.locale);
  const errors = v.errors ?? {};
  const values: FormValues = v.values ?? { path: '', points: '', reason: '', key: randomUUID() };
  const fieldError = (f: Field) => (errors[f] ? html`<p class="field-error" id="${f}-error">${errors[f]}</p>` : '');
  const described = (f: Field) => (errors[f] ? html` aria-invalid="true" aria-describedby="${f}-error"` : '');
  const choice = (p: StaffAwardPath) =>
    html`<label class="choice"><input type="radio" name="path" value="${p}" required${values.path === p ? html` checked` : ''}><span>${label(STAFF_AWARD_PATH_TERMS, p, ctx.locale)}<br><span class="muted">${w.pathHints[p]}</span></span></label>`;
  const capHint = v.room ? html`<p class="muted">${w.capHint(n(v.room.cap), w.periods[v.room.period])}</p>` : '';
  const awardForm = html`<form method="post" action="${PAGE}"><input type="hidden" name="csrf" value="${ctx.csrf}"><input type="hidden" name="family" value="${v.family.id}"><input type="hidden" name="key" value="${values.key}"><fieldset class="choices"${described('path')}><legend>${w.path}</legend>${STAFF_AWARD_PATHS.map(choice)}</fieldset>${fieldError('path')}<label for="points">${w.points}</label><input type="number" id="points" name="points" inputmode="numeric" min="1" max="${STAFF_AWARD_MAX}" step="1" required value="${values.points}"${described('points')}><p class="muted">${w.pointsHint(STAFF_AWARD_MAX)}</p>${capHint}${fieldError('points')}<label for="reason">${w.reason}</label><input type="text" id="reason" name="reason" required maxlength="${STAFF_AWARD_REASON_MAX}" value="${values.reason}" autocomplete="off"${described('reason')}><p class="muted">${w.reasonHint}</p>${fieldError('reason')}<div class="buttons"><button type="submit">${w.submit}</button></div></form>`;

  const c = w.historyColumns;
  const what = (e: PointsEntry) => {
    const rule = pathWord(e.rule, ctx);
    return rule ? `${w.entryKinds[e.kind]} · ${rule}` : w.entryKinds[e.kind];
  };
  const rows = v.history.map(
    (e) =>
      html`<tr><td data-label="${c.at}">${ctx.s.page.when(e.createdAt)}</td><td data-label="${c.what}">${what(e)}</td><td data-label="${c.amount}">${e.amount > 0 ? `+${n(e.amount)}` : n(e.amount)}</td>${e.note ? html`<td data-label="${c.note}">${e.note}</td>` : html`<td></td>`}</tr>`,
  );
  const history = v.history.length
    ? html`<table class="cards"><thead><tr><th>${c.at}</th><th>${c.what}</th><th>${c.amount}</th><th>${c.note}</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p class="muted">${w.historyEmpty}</p>`;
  return html`<div class="card"><h1>${w.chosenHeading(v.family.name)}</h1>${v.banner ? html`<p class="${v.banner.kind}" role="status">${v.banner.text}</p>` : ''}<dl class="kv"><dt>${w.compound}</dt><dd>${v.compoundName}</dd></dl><p><strong>${w.balance(n(v.balance))}</strong></p>${awardForm}<p><a href="${PAGE}">${w.another}</a></p></div><div class="card"><h2>${w.history}</h2>${history}</div>`;
}
