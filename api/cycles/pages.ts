/**
 * The dashboard's cycle pages (issue 10), for the coordinator (and the supervisor, for milestones):
 *
 *   GET  /dashboard/cycles/new                               the form: name, dates, compounds, milestones
 *   POST /dashboard/cycles/new                               starts the cycle, then its page
 *   GET  /dashboard/cycles/:cycleId                          its milestones (each with "mark as done") and the sponsorship form
 *   POST /dashboard/cycles/:cycleId/milestones/:milestoneId  records the milestone as done
 *   POST /dashboard/cycles/:cycleId/sponsorships             records a merchant's sponsorship
 *
 * Each form is parsed with the JSON route's schema (./schemas.ts) and handed to the same function
 * the route calls (./service.ts); field errors are shown beside their fields in the page's language.
 * Dates are chosen as days in Beijing time: a period runs from the first day's start to the last
 * day's end, a milestone is due at the end of its day.
 */
import express, { type Request, type Response, type Router } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { z } from 'zod';
import type { CycleProgress } from '../../domain/cycle';
import type { StaffWorkProse } from '../../i18n/catalog';
import { cycleProgressQuery } from '../../workflows/incubation-cycle.api';
import { compoundNames, type DashboardData } from '../dashboard/data';
import { DashboardNotFound } from '../dashboard/access';
import type { PageCtx } from '../dashboard/page-context';
import { toHttpError } from '../http/errors';
import { html, raw, type RawHtml } from '../http/html';
import { messageCard } from '../http/layout';
import { formField } from '../http/session';
import { signedPageOf } from '../http/signed-page';
import { staffWorkStrings } from '../links/approvals-page';
import { cycleTimingDefaults } from './routes';
import { SponsorshipBody, StartCycleBody } from './schemas';
import { createCycleService, type CycleActor } from './service';
import { cycleSurveySection } from '../surveys/pages';

const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Rows of milestones the new-cycle form offers. */
const MILESTONE_ROWS = 4;
const BEIJING = '+08:00';

type Errors = Record<string, string>;
type CycleWords = StaffWorkProse['cycle'];

const startOfDay = (day: string) => (DAY.test(day) ? `${day}T00:00:00${BEIJING}` : day);
const endOfDay = (day: string) => (DAY.test(day) ? `${day}T23:59:59${BEIJING}` : day);
const cycleHref = (cycleId: string) => `/dashboard/cycles/${encodeURIComponent(cycleId)}`;

/** The links the home page shows: a new cycle (coordinators), and one cycle's page (coordinators and supervisors). */
export function newCycleLink(locale: PageCtx['locale'], role: string): RawHtml | '' {
  return role === 'coordinator' ? html`<p class="noprint"><a class="button" href="/dashboard/cycles/new">${staffWorkStrings(locale).cycle.newLink}</a></p>` : '';
}
export function cycleManageLink(locale: PageCtx['locale'], role: string, cycleId: string, recorded: boolean): RawHtml | '' {
  return recorded && (role === 'coordinator' || role === 'supervisor') ? html`<p class="noprint"><a href="${cycleHref(cycleId)}">${staffWorkStrings(locale).cycle.manageLink}</a></p>` : '';
}

function actor(ctx: PageCtx): CycleActor {
  return { staffId: ctx.viewer.staffId, name: ctx.viewer.name, role: ctx.viewer.role };
}

/** zod's issues as words beside their fields (`field` names the form's field for an issue's path). */
function wordsFor(c: CycleWords, error: z.ZodError, field: (path: readonly PropertyKey[]) => string): Errors {
  const e = c.errors;
  const out: Errors = {};
  for (const issue of error.issues) {
    const key = field(issue.path);
    const word =
      issue.code === 'invalid_format'
        ? issue.format === 'regex'
          ? e.idFormat
          : e.date
        : issue.code === 'invalid_type'
          ? issue.input === undefined
            ? e.required
            : e.amount
          : issue.code === 'too_small'
            ? issue.origin === 'string' || issue.origin === 'array'
              ? e.required
              : e.amount
            : issue.code === 'too_big'
              ? e.tooLong
              : issue.path[0] === 'periodEnd'
                ? e.endBeforeStart
                : issue.path[0] === 'amountCny'
                  ? e.amount
                  : /unique/.test(issue.message)
                    ? e.unique
                    : issue.message;
    out[key] ??= word;
  }
  return out;
}

export function cyclePageRoutes(router: Router, data: DashboardData, ctxOf: (req: Request, res: Response) => PageCtx): void {
  const service = createCycleService({ client: data.client, config: data.config, repos: data.repos, defaults: cycleTimingDefaults(data.config) });
  const form = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 60 });

  /** The page's strings when the viewer may act here; otherwise renders the refusal and returns undefined. */
  function allowed(ctx: PageCtx, roles: readonly string[]): CycleWords | undefined {
    const c = staffWorkStrings(ctx.locale).cycle;
    if (roles.includes(ctx.viewer.role)) return c;
    ctx.render(403, c.onlyCoordinatorTitle, messageCard(c.onlyCoordinatorTitle, [c.onlyCoordinatorBody]));
    return undefined;
  }

  function refuseForeignForm(ctx: PageCtx, res: Response): boolean {
    if (signedPageOf(res).formIsOurs()) return false;
    const p = ctx.s.page.pages.forbidden;
    ctx.render(403, p.title, messageCard(p.title, [p.body]));
    return true;
  }

  // ---- a new cycle ---------------------------------------------------------------------------
  router.get('/cycles/new', async (req, res) => {
    const ctx = ctxOf(req, res);
    const c = allowed(ctx, ['coordinator']);
    if (!c) return;
    ctx.render(200, c.newHeading, newCycleForm(ctx, c, await compoundNames(data.repos), {}, {}));
  });

  router.post('/cycles/new', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const c = allowed(ctx, ['coordinator']);
    if (!c || refuseForeignForm(ctx, res)) return;
    const compounds = await compoundNames(data.repos);
    const values: Record<string, string | string[]> = {};
    for (const name of ['id', 'name', 'periodStart', 'periodEnd']) values[name] = formField(req.body, name).trim();
    const chosen = (req.body as Record<string, unknown>).compounds;
    values.compounds = (Array.isArray(chosen) ? chosen : [chosen]).filter((x): x is string => typeof x === 'string');
    const rows: number[] = [];
    const milestones: { id: string; name: string; dueAt: string }[] = [];
    for (let row = 1; row <= MILESTONE_ROWS; row++) {
      const name = (values[`m${row}Name`] = formField(req.body, `m${row}Name`).trim());
      const due = (values[`m${row}Due`] = formField(req.body, `m${row}Due`).trim());
      if (name === '' && due === '') continue;
      rows.push(row);
      milestones.push({ id: `m${row}`, name, dueAt: endOfDay(due) });
    }
    const again = (status: number, errors: Errors) => ctx.render(status, c.newHeading, newCycleForm(ctx, c, compounds, values, errors));

    const parsed = StartCycleBody.safeParse({
      id: values.id,
      name: values.name,
      periodStart: startOfDay(values.periodStart as string),
      periodEnd: endOfDay(values.periodEnd as string),
      compounds: values.compounds,
      milestones,
    });
    if (!parsed.success) {
      return again(
        400,
        wordsFor(c, parsed.error, (path) => {
          if (path[0] === 'milestones' && typeof path[1] === 'number') return `m${rows[path[1]] ?? 1}${path[2] === 'dueAt' ? 'Due' : 'Name'}`;
          return String(path[0] ?? 'other');
        }),
      );
    }
    let started;
    try {
      started = await service.startCycle(parsed.data, actor(ctx));
    } catch (err) {
      const known = toHttpError(err);
      if (known && known.status < 500) return again(known.status, { other: known.message });
      throw err;
    }
    res.redirect(303, `${cycleHref(started.cycleId)}?lang=${ctx.locale}${started.existing ? '&existing=1' : ''}`);
  });

  // ---- one cycle: milestones and sponsorships --------------------------------------------------
  async function showCycle(req: Request, res: Response, status: number, message: { kind: 'ok' | 'error'; text: string } | undefined, sponsorshipErrors: Errors, sponsorshipValues: Record<string, string>) {
    const ctx = ctxOf(req, res);
    const c = allowed(ctx, ['coordinator', 'supervisor']);
    if (!c) return;
    const cycleId = String(req.params.cycleId);
    const cycle = ID.test(cycleId) ? await data.repos.cycles.get(cycleId) : undefined;
    if (!cycle) throw new DashboardNotFound();
    let progress: CycleProgress | undefined;
    try {
      progress = await service.handleFor(cycleId).query(cycleProgressQuery);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    const merchants = ctx.viewer.role === 'coordinator' ? await data.repos.directory.listMerchants() : [];
    const compounds = await compoundNames(data.repos);
    const name = progress?.name ?? cycle.name;
    const shown = message ?? (req.query.existing === '1' ? { kind: 'ok' as const, text: c.existing } : req.query.done === 'sponsorship' ? { kind: 'ok' as const, text: c.recorded } : undefined);
    const doneMilestone = typeof req.query.milestone === 'string' ? progress?.milestones.find((m) => m.id === req.query.milestone) : undefined;
    const note = shown ?? (doneMilestone ? { kind: 'ok' as const, text: c.milestoneRecorded(doneMilestone.name) } : undefined);

    const states = ctx.s.cycles.states;
    const mc = c.milestoneColumns;
    const milestoneList = !progress
      ? html`<p class="muted">${c.noWorkflow}</p>`
      : progress.milestones.length === 0
        ? html`<p class="muted">${c.noMilestones}</p>`
        : html`<ul class="records">${progress.milestones.map(
            (m) =>
              html`<li><div class="what">${m.name} <span class="badge${m.state === 'overdue' ? ' red' : m.state === 'done' ? ' green' : ''}">${states[m.state]}</span></div><div class="when">${mc.due} ${ctx.s.page.when(m.dueAt)}${
                m.by && m.at ? html` · ${mc.by} ${m.by.name} · ${ctx.s.page.when(m.at)}` : ''
              }</div>${m.notes ? html`<div class="quote">${m.notes}</div>` : ''}${
                m.state !== 'done' && !progress.closed
                  ? html`<form method="post" action="${cycleHref(cycleId)}/milestones/${encodeURIComponent(m.id)}?lang=${ctx.locale}"><input type="hidden" name="csrf" value="${ctx.csrf}"><label for="notes-${m.id}">${c.notes}</label><input type="text" id="notes-${m.id}" name="notes" maxlength="2000"><div class="buttons"><button type="submit">${c.markDone}</button></div></form>`
                  : ''
              }</li>`,
          )}</ul>`;

    const err = (f: string) => (sponsorshipErrors[f] ? html`<p class="field-error" id="${f}-error">${sponsorshipErrors[f]}</p>` : '');
    const invalid = (f: string) => raw(sponsorshipErrors[f] ? ` aria-invalid="true" aria-describedby="${f}-error"` : '');
    const sponsorship =
      ctx.viewer.role === 'coordinator'
        ? html`<div class="card"><h2>${c.sponsorship}</h2>${sponsorshipErrors.other ? html`<div class="error">${sponsorshipErrors.other}</div>` : ''}<form method="post" action="${cycleHref(cycleId)}/sponsorships?lang=${ctx.locale}" novalidate><input type="hidden" name="csrf" value="${ctx.csrf}"><label for="merchantId">${c.merchant}</label><select id="merchantId" name="merchantId"${invalid('merchantId')}><option value="">${c.merchantChoose}</option>${merchants.map(
            (m) => html`<option value="${m.id}"${raw(sponsorshipValues.merchantId === m.id ? ' selected' : '')}>${m.name}</option>`,
          )}</select>${err('merchantId')}<label for="amountCny">${c.amount}</label><input type="number" id="amountCny" name="amountCny" min="0.01" step="0.01" value="${sponsorshipValues.amountCny ?? ''}"${invalid('amountCny')}>${err('amountCny')}<label for="note">${c.note}</label><input type="text" id="note" name="note" maxlength="2000" value="${sponsorshipValues.note ?? ''}"${invalid('note')}>${err('note')}<div class="buttons"><button type="submit">${c.record}</button></div></form></div>`
        : '';

    ctx.render(
      status,
      c.heading(name),
      html`<div class="card"><h1>${c.heading(name)}</h1>${note ? html`<div class="${note.kind}">${note.text}</div>` : ''}<dl class="kv"><dt>${ctx.s.cycles.period}</dt><dd>${ctx.s.page.range(cycle.periodStart, cycle.periodEnd)}</dd><dt>${ctx.s.cycles.compounds}</dt><dd>${cycle.compounds
        .map((id) => compounds.get(id) ?? id)
        .join('、')}</dd></dl></div><div class="card"><h2>${ctx.s.cycles.milestones}</h2>${milestoneList}</div>${sponsorship}${await cycleSurveySection(data.repos, ctx, cycleId, req.query)}`,
    );
  }

  router.get('/cycles/:cycleId', (req, res) => showCycle(req, res, 200, undefined, {}, {}));

  router.post('/cycles/:cycleId/milestones/:milestoneId', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const c = allowed(ctx, ['coordinator', 'supervisor']);
    if (!c || refuseForeignForm(ctx, res)) return;
    const cycleId = String(req.params.cycleId);
    const milestoneId = String(req.params.milestoneId);
    if (!ID.test(cycleId) || !ID.test(milestoneId)) throw new DashboardNotFound();
    try {
      await service.recordMilestone(cycleId, milestoneId, actor(ctx), formField(req.body, 'notes').trim().slice(0, 2000));
    } catch (err) {
      const known = toHttpError(err);
      if (known?.status === 404) throw new DashboardNotFound();
      if (known && known.status < 500) return showCycle(req, res, known.status, { kind: 'error', text: known.message }, {}, {});
      throw err;
    }
    res.redirect(303, `${cycleHref(cycleId)}?lang=${ctx.locale}&milestone=${encodeURIComponent(milestoneId)}`);
  });

  router.post('/cycles/:cycleId/sponsorships', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const c = allowed(ctx, ['coordinator']);
    if (!c || refuseForeignForm(ctx, res)) return;
    const cycleId = String(req.params.cycleId);
    if (!ID.test(cycleId) || !(await data.repos.cycles.get(cycleId))) throw new DashboardNotFound();
    const values = { merchantId: formField(req.body, 'merchantId').trim(), amountCny: formField(req.body, 'amountCny').trim(), note: formField(req.body, 'note') };
    const parsed = SponsorshipBody.safeParse({
      merchantId: values.merchantId,
      ...(values.amountCny === '' ? {} : { amountCny: /^\d+(\.\d+)?$/.test(values.amountCny) ? Number(values.amountCny) : values.amountCny }),
      note: values.note,
    });
    if (!parsed.success) return showCycle(req, res, 400, undefined, wordsFor(c, parsed.error, (path) => String(path[0] ?? 'other')), values);
    try {
      await service.recordSponsorship(cycleId, parsed.data, actor(ctx));
    } catch (err) {
      const known = toHttpError(err);
      if (known && known.status < 500) return showCycle(req, res, known.status, undefined, known.status === 422 ? { merchantId: known.message } : { other: known.message }, values);
      throw err;
    }
    res.redirect(303, `${cycleHref(cycleId)}?lang=${ctx.locale}&done=sponsorship`);
  });
}

function newCycleForm(ctx: PageCtx, c: CycleWords, compounds: ReadonlyMap<string, string>, values: Record<string, string | string[]>, errors: Errors): RawHtml {
  const value = (name: string) => (typeof values[name] === 'string' ? values[name] : '');
  const err = (f: string) => (errors[f] ? html`<p class="field-error" id="${f}-error">${errors[f]}</p>` : '');
  const invalid = (f: string) => raw(errors[f] ? ` aria-invalid="true" aria-describedby="${f}-error"` : '');
  const input = (name: string, label: string, type: 'text' | 'date', extra = '') =>
    html`<label for="${name}">${label}</label><input type="${type}" id="${name}" name="${name}" value="${value(name)}"${raw(extra)}${invalid(name)}>${err(name)}`;
  const chosen = Array.isArray(values.compounds) ? values.compounds : [];
  const compoundBoxes = html`<fieldset class="choices"${invalid('compounds')}><legend>${c.compounds}</legend>${[...compounds].map(
    ([id, name]) => html`<label class="choice"><input type="checkbox" name="compounds" value="${id}"${raw(chosen.includes(id) ? ' checked' : '')}><span>${name}</span></label>`,
  )}</fieldset>${err('compounds')}`;
  const rows = Array.from({ length: MILESTONE_ROWS }, (_, i) => i + 1).map(
    (n) => html`${input(`m${n}Name`, c.milestoneName(n), 'text', ' maxlength="200"')}${input(`m${n}Due`, c.milestoneDue(n), 'date')}`,
  );
  const summary = Object.keys(errors).length ? html`<div class="error">${c.fixFields}${errors.other ? html`<br>${errors.other}` : ''}${errors.milestones ? html`<br>${c.milestones}：${errors.milestones}` : ''}</div>` : '';
  return html`<div class="card"><h1>${c.newHeading}</h1>${summary}<p class="muted">${c.newIntro}</p><form method="post" action="/dashboard/cycles/new?lang=${ctx.locale}" novalidate><input type="hidden" name="csrf" value="${ctx.csrf}">${input(
    'id',
    c.id,
    'text',
    ' maxlength="64"',
  )}<p class="muted">${c.idHint}</p>${input('name', c.name, 'text', ' maxlength="200"')}${input('periodStart', c.periodStart, 'date')}${input('periodEnd', c.periodEnd, 'date')}${compoundBoxes}<h2>${c.milestones}</h2><p class="muted">${c.milestonesHint}</p>${rows}<div class="buttons"><button type="submit">${c.start}</button></div></form></div>`;
}
