/**
 * The property manager's activity pages under /dashboard (coordinators may use them too):
 *
 *   GET       /dashboard/my-activities                 activities by stage, each with what it waits on and on whom
 *   GET|POST  /dashboard/activities/new                the plan form → the activity starts
 *   GET|POST  /dashboard/activities/:id/revise         the plan form, prefilled (property managers)
 *   GET|POST  /dashboard/activities/:id/reschedule     a new start and end, with a reason
 *   GET|POST  /dashboard/activities/:id/cancel         a reason
 *   POST      /dashboard/activities/:id/volunteers     sign a volunteer of the compound up
 *   POST      /dashboard/activities/:id/links          email registration links, or issue check-in links
 *
 * Each form is turned into the JSON API's body and parsed with the route's own schema, then handed
 * to the same service (./service.ts, ../registration/service.ts): the same rules, the same field
 * paths. A refused field is shown beside its input in the page's language; a refusal naming no
 * input of the form is shown above it. Plain POST, then a redirect to the activity's page.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import type { Repositories } from '../../db/repositories';
import { STAGES, type ActivityStatus, type Stage } from '../../domain/activity';
import type { StaffRole } from '../../domain/schemas';
import { catalogFor } from '../../i18n';
import type { ActivityFormField, ActivityPagesProse } from '../../i18n/catalog';
import { datePartsAt } from '../../i18n/format';
import { DashboardNotFound, assertActivityVisible, compoundScope } from '../dashboard/access';
import { activityStatus, compoundNames, listActivities, pageOf, staffNames, withEndings, type ActivityOverview, type DashboardData } from '../dashboard/data';
import type { DashboardStrings } from '../dashboard/i18n';
import type { PageCtx } from '../dashboard/page-context';
import { pagerLinks, waitingOn } from '../dashboard/views';
import type { StaffPrincipal } from '../http/auth';
import { type HttpError, parseOr400, toHttpError } from '../http/errors';
import { activityOr404 } from '../http/feature-routes';
import { html, raw, type RawHtml } from '../http/html';
import { messageCard } from '../http/layout';
import { createPeopleScope } from '../http/people-scope';
import { signedPageOf, type SignedPage } from '../http/signed-page';
import type { PeopleMail } from '../registration/mail';
import { SelfServiceLinksBody, VolunteerSignUpBody } from '../registration/routes';
import { issueSelfServiceLinks, signUpVolunteer, type IssuedLink } from '../registration/self-service';
import { CancelBody, RescheduleBody, RevisePlanBody, StartActivityBody } from './schemas';
import { createActivityService } from './service';

export interface ActivityPagesDeps {
  client: Client;
  config: Config;
  repos: Repositories;
  linkSecret: string;
  mail: PeopleMail;
  /** Epoch ms. */
  now: () => number;
}

const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const ORGANISERS: readonly StaffRole[] = ['propertyManager', 'coordinator'];
/** Stages in which the plan may be revised, and in which the time may change or the activity be cancelled. */
const REVISABLE: readonly Stage[] = ['planning', 'venueRequest', 'approval'];
const MOVABLE: readonly Stage[] = ['planning', 'venueRequest', 'approval', 'reminders'];
const CANDIDATE_SLOTS = 3;
const DONE = ['started', 'existing', 'revised', 'rescheduled', 'cancelled', 'volunteerSignedUp', 'volunteerAlready'] as const;
type Done = (typeof DONE)[number];
/** The points rules' defaults on a new plan. */
const DEFAULT_POINTS = { attendance: '10', perVolunteerHour: '5', familyLearning: '0' };

// ---- form values and the API's body ------------------------------------------------------------

/** A form as posted: every field a string. */
type FormValues = Record<string, string>;

function formValues(body: unknown): FormValues {
  const out: FormValues = {};
  if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}(:\d{2})?$/;

/** A date and a time typed in Beijing time, as the API's ISO instant with +08:00 (left as typed when not a date and time, so the schema names the field). */
export function beijingInstant(date: string | undefined, time: string | undefined): string {
  const d = (date ?? '').trim();
  const t = (time ?? '').trim();
  if (!DATE.test(d) || !TIME.test(t)) return `${d}${d && t ? 'T' : ''}${t}`;
  return `${d}T${t.length === 5 ? `${t}:00` : t}+08:00`;
}

/** An instant as the values of a date input and a time input, in Beijing time. */
export function beijingInputs(iso: string): { date: string; time: string } {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return { date: '', time: '' };
  const p = datePartsAt(ms);
  return { date: `${p.year}-${p.month.padStart(2, '0')}-${p.day.padStart(2, '0')}`, time: `${p.hour}:${p.minute}` };
}

/** A typed number; an empty field is left out (the schema says it is required), anything else passed as a number (NaN is refused by name). */
const numberOf = (v: string | undefined): number | undefined => (v === undefined || v.trim() === '' ? undefined : Number(v.trim()));

/** The plan as the API takes it (PlanRequest), from the plan form. */
export function planBodyOf(f: FormValues): Record<string, unknown> {
  const venue =
    f.venueKind === 'merchant'
      ? {
          kind: 'merchant',
          hours: numberOf(f.venueHours),
          candidateMerchants: Array.from({ length: CANDIDATE_SLOTS }, (_, i) => f[`merchant${i + 1}`] ?? '')
            .filter((v) => v.trim() !== '')
            .map((v) => {
              const [merchantId = '', venueId] = v.trim().split(' ');
              return venueId ? { merchantId, venueId } : { merchantId };
            }),
        }
      : { kind: f.venueKind || 'community', venueName: f.venueName ?? '', hours: numberOf(f.venueHours) };
  return {
    title: f.title ?? '',
    theme: f.theme ?? '',
    compound: f.compound ?? '',
    description: f.description ?? '',
    startsAt: beijingInstant(f.startDate, f.startTime),
    endsAt: beijingInstant(f.endDate, f.endTime),
    capacity: numberOf(f.capacity),
    venue,
    volunteersNeeded: numberOf(f.volunteersNeeded),
    pointsRules: { attendance: numberOf(f.attendancePoints), perVolunteerHour: numberOf(f.perHourPoints), familyLearning: numberOf(f.familyLearningPoints) },
    budget: numberOf(f.budget),
  };
}

/** The start form as StartActivityBody. */
export function startBodyOf(f: FormValues): Record<string, unknown> {
  return { cycleId: f.cycleId ?? '', plan: planBodyOf(f) };
}

export function rescheduleBodyOf(f: FormValues): Record<string, unknown> {
  return { startsAt: beijingInstant(f.startDate, f.startTime), endsAt: beijingInstant(f.endDate, f.endTime), reason: f.reason ?? '' };
}

/** The plan form's values for a plan on record (to revise it). */
function valuesOfPlan(plan: ActivityStatus['plan'], venueOf: (merchantId: string, venueName: string) => string | undefined): FormValues {
  const start = beijingInputs(plan.startsAt);
  const end = beijingInputs(plan.endsAt);
  const v: FormValues = {
    title: plan.title,
    theme: plan.theme,
    compound: plan.compound,
    description: plan.description,
    startDate: start.date,
    startTime: start.time,
    endDate: end.date,
    endTime: end.time,
    capacity: String(plan.capacity),
    venueKind: plan.venue.kind,
    venueHours: String(plan.venue.hours),
    volunteersNeeded: String(plan.volunteersNeeded),
    attendancePoints: String(plan.pointsRules.attendance),
    perHourPoints: String(plan.pointsRules.perVolunteerHour),
    familyLearningPoints: String(plan.pointsRules.familyLearning),
    budget: String(plan.budget),
  };
  if (plan.venue.kind === 'community') v.venueName = plan.venue.venueName;
  else plan.venue.candidateMerchants.slice(0, CANDIDATE_SLOTS).forEach((m, i) => (v[`merchant${i + 1}`] = venueOf(m.id, m.venueName) ?? m.id));
  return v;
}

// ---- field errors --------------------------------------------------------------------------------

/** One refused field, as the API names it, and what the page says about it. */
interface ShownIssue {
  field: string;
  text: string;
}

/** Where the form shows each API field: an input's key (`candidateMerchants.0` for the first select), or nothing (shown on top). */
const PATHS: Record<string, ActivityFormField> = {
  cycleId: 'cycleId',
  compound: 'compound',
  theme: 'theme',
  title: 'title',
  description: 'description',
  startsAt: 'startsAt',
  endsAt: 'endsAt',
  capacity: 'capacity',
  'venue.kind': 'venueKind',
  'venue.venueName': 'venueName',
  'venue.hours': 'venueHours',
  'venue.candidateMerchants': 'candidateMerchants',
  volunteersNeeded: 'volunteersNeeded',
  'pointsRules.attendance': 'attendancePoints',
  'pointsRules.perVolunteerHour': 'perHourPoints',
  'pointsRules.familyLearning': 'familyLearningPoints',
  budget: 'budget',
  reason: 'reason',
};

/** The form key an API field path is shown beside, or undefined when the form has no input for it. */
export function formKeyOf(path: string, inputs: readonly string[]): string | undefined {
  const p = path.replace(/^plan\./, '');
  const slot = /^venue\.candidateMerchants\.(\d+)/.exec(p);
  const key = slot ? `candidateMerchants.${slot[1]}` : PATHS[p];
  if (!key) return undefined;
  const base = key.split('.')[0]!;
  return inputs.includes(base) ? key : undefined;
}

interface FormErrors {
  byKey: Map<string, ShownIssue[]>;
  top: ShownIssue[];
}

const noErrors = (): FormErrors => ({ byKey: new Map(), top: [] });

/** The API's refusal as the form shows it: each field beside its input, the rest on top. */
function errorsOf(t: ActivityPagesProse, err: HttpError, inputs: readonly string[]): FormErrors {
  const out = noErrors();
  const details = Array.isArray(err.details) ? (err.details as unknown[]) : [];
  const issues = details.filter((d): d is { field: string; message: string } => !!d && typeof d === 'object' && typeof (d as { field?: unknown }).field === 'string');
  if (err.code !== 'InvalidInput' || issues.length === 0) {
    out.top.push({ field: '', text: t.refused(err.code, err.message) });
    return out;
  }
  for (const i of issues) {
    const key = formKeyOf(i.field, inputs);
    const shown = { field: i.field, text: t.fieldError(i.message) };
    if (key) out.byKey.set(key, [...(out.byKey.get(key) ?? []), shown]);
    else out.top.push({ field: i.field, text: `${i.field}: ${shown.text}` });
  }
  return out;
}

const errorLines = (issues: readonly ShownIssue[] | undefined): RawHtml[] =>
  (issues ?? []).map((e) => html`<p class="field-error" data-field="${e.field}">${e.text}</p>`);

// ---- rendering -------------------------------------------------------------------------------------

interface Choice {
  value: string;
  label: string;
}

interface PlanFormOptions {
  mode: 'new' | 'revise';
  action: string;
  values: FormValues;
  errors: FormErrors;
  /** New activities: the open cycles. */
  cycles: Choice[];
  /** Coordinators choose the compound; a property manager's is preset (one choice). */
  compounds: Choice[];
  merchants: Choice[];
}

function topErrors(t: ActivityPagesProse, errors: FormErrors): RawHtml | string {
  if (errors.top.length === 0 && errors.byKey.size === 0) return '';
  return html`<div class="error" role="alert"><p>${t.form.errorsHeading}</p>${errorLines(errors.top)}</div>`;
}

function select(name: string, choices: readonly Choice[], selected: string | undefined, o: { required?: boolean; empty?: string } = {}): RawHtml {
  return html`<select id="${name}" name="${name}"${raw(o.required ? ' required' : '')}>${o.empty !== undefined ? html`<option value="">${o.empty}</option>` : ''}${choices.map(
    (c) => html`<option value="${c.value}"${raw(c.value === selected ? ' selected' : '')}>${c.label}</option>`,
  )}</select>`;
}

function fieldBlock(key: string, label: string, control: RawHtml, errors: FormErrors, hint?: string): RawHtml {
  const errs = errors.byKey.get(key);
  return html`<div class="f${errs?.length ? ' invalid' : ''}" data-key="${key}"><label for="${key}">${label}</label>${control}${hint ? html`<p class="hint">${hint}</p>` : ''}${errorLines(errs)}</div>`;
}

function input(name: string, value: string | undefined, type: string, extra = ''): RawHtml {
  return html`<input id="${name}" name="${name}" type="${type}" value="${value ?? ''}"${raw(extra)}>`;
}

/** A start or end: a date input and a time input, in Beijing time. */
function instantBlock(t: ActivityPagesProse, key: 'startsAt' | 'endsAt', values: FormValues, errors: FormErrors): RawHtml {
  const prefix = key === 'startsAt' ? 'start' : 'end';
  const errs = errors.byKey.get(key);
  return html`<div class="f${errs?.length ? ' invalid' : ''}" data-key="${key}"><label for="${prefix}Date">${t.form.labels[key]}（${t.form.beijingTime}）</label><div class="pair"><input id="${prefix}Date" name="${prefix}Date" type="date" value="${values[`${prefix}Date`] ?? ''}" required aria-label="${t.form.date}"><input id="${prefix}Time" name="${prefix}Time" type="time" value="${values[`${prefix}Time`] ?? ''}" required aria-label="${t.form.time}"></div>${errorLines(errs)}</div>`;
}

const PLAN_INPUTS: readonly string[] = [
  'cycleId',
  'compound',
  'theme',
  'title',
  'description',
  'startsAt',
  'endsAt',
  'capacity',
  'venueKind',
  'venueName',
  'venueHours',
  'candidateMerchants',
  'volunteersNeeded',
  'attendancePoints',
  'perHourPoints',
  'familyLearningPoints',
  'budget',
];

function planForm(ctx: PageCtx, t: ActivityPagesProse, o: PlanFormOptions): RawHtml {
  const l = t.form.labels;
  const v = o.values;
  const e = o.errors;
  const cycle =
    o.mode === 'new'
      ? fieldBlock('cycleId', l.cycleId, select('cycleId', o.cycles, v.cycleId, { required: true, ...(o.cycles.length === 1 ? {} : { empty: '' }) }), e)
      : '';
  const onlyCompound = o.compounds.length === 1 ? o.compounds[0] : undefined;
  const compound =
    o.mode === 'revise' || onlyCompound
      ? html`<div class="f" data-key="compound"><label>${l.compound}</label><p><strong>${(onlyCompound ?? o.compounds.find((c) => c.value === v.compound))?.label ?? v.compound}</strong></p><input type="hidden" name="compound" value="${onlyCompound?.value ?? v.compound ?? ''}">${errorLines(e.byKey.get('compound'))}</div>`
      : fieldBlock('compound', l.compound, select('compound', o.compounds, v.compound, { required: true, empty: '' }), e);
  const kind = v.venueKind === 'merchant' ? 'merchant' : 'community';
  const kindErrors = e.byKey.get('venueKind');
  const venue = html`<fieldset${raw(kindErrors?.length ? ' class="invalid"' : '')}><legend>${l.venueKind}</legend>${(['community', 'merchant'] as const).map(
    (k) => html`<label class="inline"><input type="radio" name="venueKind" value="${k}"${raw(k === kind ? ' checked' : '')}> ${t.form.venueKinds[k]}</label>`,
  )}${errorLines(kindErrors)}${fieldBlock('venueName', l.venueName, input('venueName', v.venueName, 'text', ' maxlength="200"'), e)}<div class="f${
    e.byKey.get('candidateMerchants')?.length ? ' invalid' : ''
  }" data-key="candidateMerchants"><label for="merchant1">${l.candidateMerchants}</label>${errorLines(e.byKey.get('candidateMerchants'))}${Array.from({ length: CANDIDATE_SLOTS }, (_, i) => {
    const key = `candidateMerchants.${i}`;
    const errs = e.byKey.get(key);
    return html`<div class="f${errs?.length ? ' invalid' : ''}" data-key="${key}"><label class="inline" for="merchant${i + 1}">${t.form.candidate(i + 1)}</label>${select(`merchant${i + 1}`, o.merchants, v[`merchant${i + 1}`], {
      empty: t.form.noCandidate,
    })}${errorLines(errs)}</div>`;
  })}<p class="hint">${t.form.candidatesHint}</p></div>${fieldBlock('venueHours', l.venueHours, input('venueHours', v.venueHours, 'number', ' min="0" step="any" required'), e)}</fieldset>`;
  const points = html`<fieldset><legend>${ctx.s.page.labels.pointsRules}</legend>${fieldBlock('attendancePoints', l.attendancePoints, input('attendancePoints', v.attendancePoints, 'number', ' min="0" step="1" required'), e)}${fieldBlock(
    'perHourPoints',
    l.perHourPoints,
    input('perHourPoints', v.perHourPoints, 'number', ' min="0" step="1" required'),
    e,
  )}${fieldBlock('familyLearningPoints', l.familyLearningPoints, input('familyLearningPoints', v.familyLearningPoints, 'number', ' min="0" step="1"'), e)}<p class="hint">${t.form.pointsHint}</p></fieldset>`;
  return html`${topErrors(t, e)}<form method="post" action="${o.action}" class="plan" novalidate><input type="hidden" name="csrf" value="${ctx.csrf}">${cycle}${compound}${fieldBlock(
    'theme',
    l.theme,
    input('theme', v.theme, 'text', ' maxlength="200" required'),
    e,
  )}${fieldBlock('title', l.title, input('title', v.title, 'text', ' maxlength="200" required'), e)}${instantBlock(t, 'startsAt', v, e)}${instantBlock(t, 'endsAt', v, e)}${fieldBlock(
    'capacity',
    l.capacity,
    input('capacity', v.capacity, 'number', ' min="1" step="1" required'),
    e,
  )}${venue}${fieldBlock('volunteersNeeded', l.volunteersNeeded, input('volunteersNeeded', v.volunteersNeeded, 'number', ' min="0" step="1" required'), e)}${points}${fieldBlock(
    'budget',
    l.budget,
    input('budget', v.budget, 'number', ' min="0" step="any" required'),
    e,
  )}${fieldBlock('description', l.description, html`<textarea id="description" name="description" maxlength="5000">${v.description ?? ''}</textarea>`, e)}<div class="buttons"><button type="submit">${
    o.mode === 'new' ? t.form.submit.start : t.form.submit.revise
  }</button></div></form>`;
}

// ---- the routes ------------------------------------------------------------------------------------

/** The staff member as the services take them (the API's token principal). */
function principalOf(ctx: PageCtx): StaffPrincipal {
  const v = ctx.viewer;
  return { staffId: v.staffId, role: v.role as StaffRole, name: v.name, ...(v.compound ? { compound: v.compound } : {}) };
}

const activityHref = (id: string, done?: Done) => `/dashboard/activities/${encodeURIComponent(id)}${done ? `?done=${done}` : ''}`;

/**
 * Registers the activity pages on the dashboard's router (behind its session), and returns the
 * activity page's actions section (rendered into api/dashboard/views.ts activityBody).
 */
export function activityPages(router: Router, deps: ActivityPagesDeps, ctxOf: (req: Request, res: Response) => PageCtx) {
  const { repos } = deps;
  const data: DashboardData = { client: deps.client, config: deps.config, repos };
  const service = createActivityService(deps);
  const registrations = repos.registrations({ now: () => new Date(deps.now()) });
  const scope = createPeopleScope(repos, deps.now);
  const form = express.urlencoded({ extended: false, limit: '50kb', parameterLimit: 100 });
  const strings = (ctx: PageCtx): ActivityPagesProse => catalogFor(ctx.locale).activityPages;

  /** Refuses a role that does not organise activities, or a form that is not ours; true when the page may go on. */
  function admitted(ctx: PageCtx, roles: readonly StaffRole[], post?: SignedPage): boolean {
    const t = strings(ctx);
    const p = ctx.s.page.pages;
    if (!roles.includes(ctx.viewer.role as StaffRole)) {
      ctx.render(403, t.refusedTitle, messageCard(t.refusedTitle, [p.forbidden.body]));
      return false;
    }
    if (post && !post.formIsOurs()) {
      ctx.render(403, p.badForm.title, messageCard(p.badForm.title, [p.invalid.body]));
      return false;
    }
    return true;
  }

  /** The activity the viewer may act on, or a 404 / 403 page (thrown). */
  async function visibleStatus(ctx: PageCtx, id: string): Promise<ActivityStatus> {
    if (!ID.test(id)) throw new DashboardNotFound();
    const status = await activityStatus(data, id);
    if (!status) throw new DashboardNotFound();
    assertActivityVisible(ctx.viewer, status.compound);
    return status;
  }

  /** "merchant name · venue name" for every merchant venue in the directory; the value names both. */
  async function merchantChoices(): Promise<Choice[]> {
    const [merchants, venues] = await Promise.all([repos.directory.listMerchants(), repos.directory.listVenues()]);
    const byId = new Map(merchants.map((m) => [m.id, m]));
    return venues
      .filter((v) => v.merchantId !== null && byId.has(v.merchantId))
      .map((v) => ({ value: `${v.merchantId} ${v.id}`, label: `${byId.get(v.merchantId!)!.name} · ${v.name}` }))
      .sort((a, b) => a.label.localeCompare(b.label, 'zh-CN'));
  }

  async function planChoices(ctx: PageCtx): Promise<Pick<PlanFormOptions, 'cycles' | 'compounds' | 'merchants'>> {
    const own = compoundScope(ctx.viewer);
    const [names, cycles, merchants] = await Promise.all([compoundNames(repos), repos.cycles.list(own ? { compound: own } : {}), merchantChoices()]);
    const nowMs = deps.now();
    const open = cycles.filter((c) => !c.closedAt && Date.parse(c.periodEnd) > nowMs);
    return {
      cycles: open.map((c) => ({ value: c.id, label: `${c.name}（${ctx.s.page.range(c.periodStart, c.periodEnd)}）` })),
      compounds: own ? [{ value: own, label: names.get(own) ?? own }] : [...names].map(([value, label]) => ({ value, label })),
      merchants,
    };
  }

  /** Renders a form's refusal (a 4xx the API would answer), or rethrows what is not one. */
  function refusal(err: unknown): HttpError {
    const known = toHttpError(err);
    if (!known || known.status >= 500) throw err;
    return known;
  }

  // ---- my activities ------------------------------------------------------------------------------
  router.get('/my-activities', async (req, res) => {
    const ctx = ctxOf(req, res);
    if (!admitted(ctx, ORGANISERS)) return;
    const t = strings(ctx);
    const own = compoundScope(ctx.viewer);
    // The read model, a page at a time: no query per activity, none left out.
    const { activities, paging } = await listActivities(data, own !== undefined ? { compound: own } : {}, pageOf(req.query.page));
    await withEndings(data, [activities]);
    const names = await staffNames(
      repos,
      activities.map((a) => a.status?.pending?.actorId).filter((id): id is string => id !== undefined),
    );
    const compounds = await compoundNames(repos);
    const pager = pagerLinks(ctx.s, paging, (n) => `/dashboard/my-activities?page=${n}`);
    ctx.render(200, t.mine.heading, html`${myActivitiesBody(ctx.s, t, activities, names, compounds, own === undefined)}${pager}`, 'myActivities');
  });

  // ---- a new activity -----------------------------------------------------------------------------
  const newForm = async (req: Request, res: Response, values: FormValues, errors: FormErrors, status: number) => {
    const ctx = ctxOf(req, res);
    const t = strings(ctx);
    const choices = await planChoices(ctx);
    const body =
      choices.cycles.length === 0
        ? messageCard(t.form.newHeading, [t.form.noOpenCycle])
        : html`<div class="card"><h1>${t.form.newHeading}</h1><p class="muted">${t.form.newIntro}</p>${planForm(ctx, t, { mode: 'new', action: '/dashboard/activities/new', values, errors, ...choices })}</div>`;
    ctx.render(status, t.form.newHeading, body, 'myActivities');
  };

  router.get('/activities/new', async (req, res) => {
    if (!admitted(ctxOf(req, res), ORGANISERS)) return;
    await newForm(req, res, { venueKind: 'community', volunteersNeeded: '0', budget: '0', attendancePoints: DEFAULT_POINTS.attendance, perHourPoints: DEFAULT_POINTS.perVolunteerHour, familyLearningPoints: DEFAULT_POINTS.familyLearning }, noErrors(), 200);
  });

  router.post('/activities/new', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    if (!admitted(ctx, ORGANISERS, signedPageOf(res))) return;
    const values = formValues(req.body);
    try {
      const body = parseOr400(StartActivityBody, startBodyOf(values), 'request body');
      const started = await service.startActivity(principalOf(ctx), body);
      res.redirect(303, activityHref(started.activityId, started.existing ? 'existing' : 'started'));
    } catch (err) {
      const known = refusal(err);
      await newForm(req, res, values, errorsOf(strings(ctx), known, PLAN_INPUTS), known.status);
    }
  });

  // ---- revise the plan ----------------------------------------------------------------------------
  const reviseForm = async (req: Request, res: Response, status: ActivityStatus, values: FormValues | undefined, errors: FormErrors, code: number) => {
    const ctx = ctxOf(req, res);
    const t = strings(ctx);
    const choices = await planChoices(ctx);
    const venues = await repos.directory.listVenues();
    const prefilled = values ?? valuesOfPlan(status.plan, (merchantId, venueName) => {
      const v = venues.find((x) => x.merchantId === merchantId && x.name === venueName) ?? venues.find((x) => x.merchantId === merchantId);
      return v ? `${merchantId} ${v.id}` : undefined;
    });
    const compounds = await compoundNames(repos);
    const title = t.form.reviseHeading(status.plan.title);
    ctx.render(
      code,
      title,
      html`<div class="card"><h1>${title}</h1><p class="muted">${t.form.reviseIntro}</p>${planForm(ctx, t, {
        mode: 'revise',
        action: `/dashboard/activities/${encodeURIComponent(status.activityId)}/revise`,
        values: prefilled,
        errors,
        ...choices,
        compounds: [{ value: status.compound, label: compounds.get(status.compound) ?? status.compound }],
      })}<p><a href="${activityHref(status.activityId)}">${t.form.back}</a></p></div>`,
    );
  };

  router.get('/activities/:id/revise', async (req, res) => {
    const ctx = ctxOf(req, res);
    if (!admitted(ctx, ['propertyManager'])) return;
    await reviseForm(req, res, await visibleStatus(ctx, String(req.params.id)), undefined, noErrors(), 200);
  });

  router.post('/activities/:id/revise', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    if (!admitted(ctx, ['propertyManager'], signedPageOf(res))) return;
    const status = await visibleStatus(ctx, String(req.params.id));
    const values = { ...formValues(req.body), compound: status.compound };
    try {
      const body = parseOr400(RevisePlanBody, { plan: planBodyOf(values) }, 'request body');
      await service.revisePlan(principalOf(ctx), status.activityId, body);
      res.redirect(303, activityHref(status.activityId, 'revised'));
    } catch (err) {
      const known = refusal(err);
      await reviseForm(req, res, status, values, errorsOf(strings(ctx), known, PLAN_INPUTS), known.status);
    }
  });

  // ---- reschedule and cancel ------------------------------------------------------------------------
  const RESCHEDULE_INPUTS = ['startsAt', 'endsAt', 'reason'];
  const rescheduleForm = (req: Request, res: Response, status: ActivityStatus, values: FormValues | undefined, errors: FormErrors, code: number) => {
    const ctx = ctxOf(req, res);
    const t = strings(ctx);
    const start = beijingInputs(status.plan.startsAt);
    const end = beijingInputs(status.plan.endsAt);
    const v = values ?? { startDate: start.date, startTime: start.time, endDate: end.date, endTime: end.time };
    const title = t.form.rescheduleHeading(status.plan.title);
    ctx.render(
      code,
      title,
      html`<div class="card"><h1>${title}</h1><p class="muted">${t.form.rescheduleIntro}</p>${topErrors(t, errors)}<form method="post" action="/dashboard/activities/${encodeURIComponent(
        status.activityId,
      )}/reschedule" class="plan" novalidate><input type="hidden" name="csrf" value="${ctx.csrf}">${instantBlock(t, 'startsAt', v, errors)}${instantBlock(t, 'endsAt', v, errors)}${fieldBlock(
        'reason',
        t.form.labels.reason,
        html`<textarea id="reason" name="reason" maxlength="2000" required>${v.reason ?? ''}</textarea>`,
        errors,
      )}<div class="buttons"><button type="submit">${t.form.submit.reschedule}</button></div></form><p><a href="${activityHref(status.activityId)}">${t.form.back}</a></p></div>`,
    );
  };

  router.get('/activities/:id/reschedule', async (req, res) => {
    const ctx = ctxOf(req, res);
    if (!admitted(ctx, ORGANISERS)) return;
    rescheduleForm(req, res, await visibleStatus(ctx, String(req.params.id)), undefined, noErrors(), 200);
  });

  router.post('/activities/:id/reschedule', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    if (!admitted(ctx, ORGANISERS, signedPageOf(res))) return;
    const status = await visibleStatus(ctx, String(req.params.id));
    const values = formValues(req.body);
    try {
      const body = parseOr400(RescheduleBody, rescheduleBodyOf(values), 'request body');
      await service.reschedule(principalOf(ctx), status.activityId, body);
      res.redirect(303, activityHref(status.activityId, 'rescheduled'));
    } catch (err) {
      const known = refusal(err);
      rescheduleForm(req, res, status, values, errorsOf(strings(ctx), known, RESCHEDULE_INPUTS), known.status);
    }
  });

  const cancelForm = (req: Request, res: Response, status: ActivityStatus, values: FormValues, errors: FormErrors, code: number) => {
    const ctx = ctxOf(req, res);
    const t = strings(ctx);
    const title = t.form.cancelHeading(status.plan.title);
    ctx.render(
      code,
      title,
      html`<div class="card"><h1>${title}</h1><p class="muted">${t.form.cancelIntro}</p>${topErrors(t, errors)}<form method="post" action="/dashboard/activities/${encodeURIComponent(
        status.activityId,
      )}/cancel" class="plan" novalidate><input type="hidden" name="csrf" value="${ctx.csrf}">${fieldBlock(
        'reason',
        t.form.labels.reason,
        html`<textarea id="reason" name="reason" maxlength="2000" required>${values.reason ?? ''}</textarea>`,
        errors,
      )}<div class="buttons"><button type="submit">${t.form.submit.cancel}</button></div></form><p><a href="${activityHref(status.activityId)}">${t.form.back}</a></p></div>`,
    );
  };

  router.get('/activities/:id/cancel', async (req, res) => {
    const ctx = ctxOf(req, res);
    if (!admitted(ctx, ORGANISERS)) return;
    cancelForm(req, res, await visibleStatus(ctx, String(req.params.id)), {}, noErrors(), 200);
  });

  router.post('/activities/:id/cancel', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    if (!admitted(ctx, ORGANISERS, signedPageOf(res))) return;
    const status = await visibleStatus(ctx, String(req.params.id));
    const values = formValues(req.body);
    try {
      const body = parseOr400(CancelBody, { reason: values.reason ?? '' }, 'request body');
      await service.cancel(principalOf(ctx), status.activityId, body);
      res.redirect(303, activityHref(status.activityId, 'cancelled'));
    } catch (err) {
      const known = refusal(err);
      cancelForm(req, res, status, values, errorsOf(strings(ctx), known, ['reason']), known.status);
    }
  });

  // ---- volunteers and links -------------------------------------------------------------------------
  /** A refusal of one of the activity page's small forms, as its own page with the way back. */
  const refusedPage = (ctx: PageCtx, id: string, err: HttpError) => {
    const t = strings(ctx);
    const errors = errorsOf(t, err, []);
    ctx.render(
      err.status,
      t.refusedTitle,
      html`<div class="card"><h1>${t.refusedTitle}</h1>${errors.top.map((e) => html`<p class="error" data-field="${e.field}">${e.text}</p>`)}<p><a href="${activityHref(id)}">${t.form.back}</a></p></div>`,
    );
  };

  router.post('/activities/:id/volunteers', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    if (!admitted(ctx, ORGANISERS, signedPageOf(res))) return;
    const id = String(req.params.id);
    if (!ID.test(id)) throw new DashboardNotFound();
    const values = formValues(req.body);
    try {
      const body = parseOr400(VolunteerSignUpBody, { volunteerId: values.volunteerId ?? '' }, 'request body');
      const activity = await activityOr404(repos, id);
      assertActivityVisible(ctx.viewer, activity.compound);
      const outcome = await signUpVolunteer(scope, registrations, principalOf(ctx), activity, body.volunteerId);
      res.redirect(303, activityHref(id, outcome === 'signedUp' ? 'volunteerSignedUp' : 'volunteerAlready'));
    } catch (err) {
      refusedPage(ctx, id, refusal(err));
    }
  });

  router.post('/activities/:id/links', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    if (!admitted(ctx, ORGANISERS, signedPageOf(res))) return;
    const id = String(req.params.id);
    if (!ID.test(id)) throw new DashboardNotFound();
    const t = strings(ctx);
    const step = formValues(req.body).step;
    try {
      const activity = await activityOr404(repos, id);
      assertActivityVisible(ctx.viewer, activity.compound);
      // Registration links go to every family of the compound, by email; check-in links to those registered and signed up, by hand.
      const people =
        step === 'register'
          ? { families: (await repos.directory.listFamilies({ compoundId: activity.compound })).map((f) => f.id), volunteers: [], send: true }
          : {
              families: (await registrations.list(id)).filter((r) => r.status === 'registered').map((r) => r.familyId),
              volunteers: (await repos.activities.volunteerSignups(id)).map((v) => v.volunteer_id),
              send: false,
            };
      const body = parseOr400(SelfServiceLinksBody, { step, ...people }, 'request body');
      const { links, emails } = await issueSelfServiceLinks(deps, scope, principalOf(ctx), activity, body);
      ctx.render(200, t.actions.linksIssuedTitle, linksBody(ctx.s, t, id, links, emails?.sent !== undefined ? emails.sent + emails.alreadySent : undefined));
    } catch (err) {
      refusedPage(ctx, id, refusal(err));
    }
  });

  /** The activity page's actions: what the viewer may do to it now, and the outcome of what they just did. */
  return async function actionsSection(ctx: PageCtx, status: ActivityStatus, query: Request['query']): Promise<RawHtml | string> {
    if (!ORGANISERS.includes(ctx.viewer.role as StaffRole)) return '';
    const t = strings(ctx);
    const a = t.actions;
    const id = status.activityId;
    const done = typeof query.done === 'string' && (DONE as readonly string[]).includes(query.done) ? (query.done as Done) : undefined;
    const flash = done ? html`<p class="ok" role="status">${t.done[done]}</p>` : '';
    const running = !status.cancelled && (STAGES as readonly string[]).includes(status.stage);
    const buttons = [
      ctx.viewer.role === 'propertyManager' && REVISABLE.includes(status.stage) ? html`<a href="${activityHref(id)}/revise">${a.revise}</a>` : '',
      running && MOVABLE.includes(status.stage) ? html`<a href="${activityHref(id)}/reschedule">${a.reschedule}</a>` : '',
      running && MOVABLE.includes(status.stage) ? html`<a href="${activityHref(id)}/cancel">${a.cancel}</a>` : '',
    ].filter((b) => b !== '');
    const activity = await repos.activities.findById(id);
    let people: RawHtml | string = '';
    if (activity && running) {
      const [volunteers, signups, families, registered] = await Promise.all([
        repos.directory.listVolunteers({ compoundId: status.compound }),
        repos.activities.volunteerSignups(id),
        repos.directory.listFamilies({ compoundId: status.compound }),
        registrations.list(id),
      ]);
      const signedUp = new Set(signups.map((s) => s.volunteer_id));
      const names = volunteers.filter((v) => signedUp.has(v.id)).map((v) => v.name);
      const choices = volunteers.filter((v) => !signedUp.has(v.id)).map((v) => ({ value: v.id, label: v.name }));
      const registeredCount = registered.filter((r) => r.status === 'registered').length;
      const csrf = html`<input type="hidden" name="csrf" value="${ctx.csrf}">`;
      people = html`<h3>${a.volunteerHeading}</h3>${names.length ? html`<p>${a.signedUp(names.join('、'))}</p>` : ''}${
        choices.length
          ? html`<form method="post" action="${activityHref(id)}/volunteers" class="act">${csrf}<label for="volunteerId">${a.volunteer}</label>${select('volunteerId', choices, undefined, {
              required: true,
            })}<div class="buttons"><button type="submit">${a.signUp}</button></div></form>`
          : html`<p class="muted">${volunteers.length ? '' : a.noVolunteers}</p>`
      }<h3>${a.linksHeading}</h3><form method="post" action="${activityHref(id)}/links" class="act">${csrf}<input type="hidden" name="step" value="register"><div class="buttons"><button type="submit">${a.sendRegistration(
        families.length,
      )}</button></div></form><form method="post" action="${activityHref(id)}/links" class="act">${csrf}<input type="hidden" name="step" value="checkIn"><div class="buttons"><button type="submit">${a.issueCheckIn(
        registeredCount,
        signedUp.size,
      )}</button></div></form>`;
    }
    if (!flash && buttons.length === 0 && people === '') return '';
    return html`<div class="card" id="actions"><h2>${a.heading}</h2>${flash}${buttons.length ? html`<nav class="filters">${buttons}</nav>` : ''}${people}</div>`;
  };
}

export type ActivityActionsSection = ReturnType<typeof activityPages>;

// ---- page bodies -------------------------------------------------------------------------------------

const GROUP_ORDER: readonly Stage[] = [...STAGES, 'completed', 'rejected', 'cancelled'];

function myActivitiesBody(
  s: DashboardStrings,
  t: ActivityPagesProse,
  activities: readonly ActivityOverview[],
  names: ReadonlyMap<string, string>,
  compounds: ReadonlyMap<string, string>,
  showCompound: boolean,
): RawHtml {
  const byStage = new Map<Stage, ActivityOverview[]>();
  for (const a of activities) {
    const stage = a.stage ?? 'planning';
    byStage.set(stage, [...(byStage.get(stage) ?? []), a]);
  }
  const groups = GROUP_ORDER.filter((st) => byStage.has(st)).map((st) => {
    const list = byStage.get(st)!.sort((x, y) => (x.startsAt ?? '').localeCompare(y.startsAt ?? ''));
    return html`<div class="card" data-stage="${st}"><h2>${s.page.stages[st]} <small>${s.home.activities(list.length)}</small></h2><ul class="groups">${list.map((a) => {
      const p = a.status?.pending;
      const waits =
        a.executionStatus !== 'RUNNING'
          ? html`<span class="muted">${t.mine.ended}</span>`
          : p
            ? html`<strong class="waits">${t.mine.waitsOn(waitingOn(s, p, names, a.status), s.pendingActions[p.action] ?? p.action)}</strong>${
                p.dueAt ? html` <span class="muted">${t.mine.due(s.page.when(p.dueAt))}</span>${Date.parse(p.dueAt) < Date.now() ? html` <span class="badge red">${s.home.overdue}</span>` : ''}` : ''
              }`
            : html`<span class="muted">${t.mine.nobodyWaits}</span>`;
      return html`<li><a href="${activityHref(a.activityId)}"><strong>${a.title}</strong></a><div class="muted">${a.startsAt ? s.page.when(a.startsAt) : ''}${
        showCompound ? ` · ${compounds.get(a.compound) ?? a.compound}` : ''
      }</div><div>${waits}</div></li>`;
    })}</ul></div>`;
  });
  return html`<div class="card"><h1>${t.mine.heading}</h1><p class="muted">${t.mine.intro}</p><div class="buttons"><a class="button" href="/dashboard/activities/new">${t.mine.newActivity}</a></div></div>${
    groups.length ? groups : html`<div class="card"><p class="muted">${t.mine.empty}</p></div>`
  }`;
}

function linksBody(s: DashboardStrings, t: ActivityPagesProse, activityId: string, links: readonly IssuedLink[], emailed: number | undefined): RawHtml {
  const a = t.actions;
  const c = a.linkColumns;
  const list =
    emailed !== undefined
      ? html`<p class="ok">${a.linksEmailed(emailed)}</p>`
      : links.length
        ? html`<p>${a.linksListed}</p><table><thead><tr><th>${c.who}</th><th>${c.expires}</th></tr></thead><tbody>${links.map(
            (l) => html`<tr><td>${l.recipient.name}<div class="links-list"><a href="${l.url}">${l.url}</a></div></td><td class="t">${s.page.when(l.expiresAt)}</td></tr>`,
          )}</tbody></table>`
        : html`<p class="muted">${a.noOne}</p>`;
  return html`<div class="card"><h1>${a.linksIssuedTitle}</h1>${list}<p><a href="${activityHref(activityId)}">${t.form.back}</a></p></div>`;
}
