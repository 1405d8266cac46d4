/**
 * Registrations on the dashboard's activity page (GET /dashboard/activities/:id): families
 * registered (with members), the waitlist in order, cancellations, check-ins and no-shows,
 * volunteers with their hours, and the headcount against capacity; plus
 *
 *   GET  /dashboard/activities/:id/registrations.csv                     the same lists as CSV
 *   POST /dashboard/activities/:id/registrations/promote                 promote who fits now
 *   GET  /dashboard/activities/:id/registrations/:familyId/cancel        confirm a cancellation
 *   POST /dashboard/activities/:id/registrations/:familyId/cancel        cancel it
 *
 * The forms do what the JSON routes do (./service.ts). Who sees what follows the dashboard's rules
 * (api/dashboard/access.ts): everyone who may see the activity sees its registrations by name (a
 * supervisor too: the rules keep only points, the report and email addresses from them, and the
 * page's check-in list already names who came); acting is for the organisers the API allows
 * (property managers of the activity's compound, coordinators).
 */
import express, { type Request, type Response, type Router } from 'express';
import type { ActivityRow } from '../../db/types';
import type { Repositories, RosterFamily, RosterVolunteer } from '../../db/repositories';
import { catalogFor } from '../../i18n';
import type { RegistrationCsvColumn, RegistrationPagesProse } from '../../i18n/catalog';
import { formatDateTime } from '../../i18n/format';
import { toCsv, type Cell } from '../../lib/csv';
import { assertActivityVisible, DashboardNotFound } from '../dashboard/access';
import type { PageCtx } from '../dashboard/page-context';
import { HttpError } from '../http/errors';
import { html, type RawHtml } from '../http/html';
import { messageCard } from '../http/layout';
import type { StaffSession } from '../http/session';
import { signedPageOf } from '../http/signed-page';
import type { PeopleMail } from './mail';
import { registrationActions } from './service';

export interface RegistrationPagesDeps {
  repos: Repositories;
  mail: PeopleMail;
  /** Epoch ms. */
  now: () => number;
}

const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const HOUR_MS = 3_600_000;
const ORGANISERS: readonly string[] = ['propertyManager', 'coordinator'];

const mayAct = (viewer: StaffSession): boolean => ORGANISERS.includes(viewer.role);
const activityPath = (id: string): string => `/dashboard/activities/${encodeURIComponent(id)}`;
const cancelPath = (id: string, familyId: string): string => `${activityPath(id)}/registrations/${encodeURIComponent(familyId)}/cancel`;

/** The activity's lists, as the page and the CSV show them. */
interface Roster {
  activity: ActivityRow;
  registered: RosterFamily[];
  /** In the order they are served. */
  waitlisted: RosterFamily[];
  cancelled: RosterFamily[];
  volunteers: RosterVolunteer[];
  registeredPeople: number;
  placesLeft: number;
  checkedIn: number;
  /** Registered and not checked in once check-in has closed; undefined while it has not. */
  noShows: RosterFamily[] | undefined;
}

async function loadRoster(repos: Repositories, viewer: StaffSession, activityId: string): Promise<Roster | undefined> {
  const activity = await repos.activities.findById(activityId);
  if (!activity) return undefined;
  assertActivityVisible(viewer, activity.compound_id);
  const { families, volunteers } = await repos.activities.roster(activityId);
  const registered = families.filter((f) => f.status === 'registered');
  const registeredPeople = registered.reduce((sum, f) => sum + f.members, 0);
  const closed = activity.attendance_state === 'closed';
  return {
    activity,
    registered,
    waitlisted: families.filter((f) => f.status === 'waitlisted'),
    cancelled: families.filter((f) => f.status === 'cancelled'),
    volunteers,
    registeredPeople,
    placesLeft: Math.max(0, Number(activity.capacity) - registeredPeople),
    checkedIn: registered.filter((f) => f.checkedInAt !== null).length,
    noShows: closed ? registered.filter((f) => f.checkedInAt === null) : undefined,
  };
}

/** Hours between check-in and check-out, to a tenth; undefined until both are known. */
function serviceHours(v: RosterVolunteer): number | undefined {
  if (!v.checkedInAt || !v.checkedOutAt) return undefined;
  const ms = Date.parse(v.checkedOutAt) - Date.parse(v.checkedInAt);
  return Number.isFinite(ms) && ms >= 0 ? Math.round((ms / HOUR_MS) * 10) / 10 : undefined;
}

type FamilyState = 'checkedIn' | 'noShow' | RosterFamily['status'];

function familyState(f: RosterFamily, attendanceClosed: boolean): FamilyState {
  if (f.status !== 'registered') return f.status;
  if (f.checkedInAt) return 'checkedIn';
  return attendanceClosed ? 'noShow' : 'registered';
}

const STATE_BADGE: Record<FamilyState, string> = { checkedIn: 'green', noShow: 'red', registered: '', waitlisted: 'grey', cancelled: 'grey' };

// ---- the section ------------------------------------------------------------------------------

/** What a redirect after a form says happened (Post/Redirect/Get): a fixed word and counts, never text from the query. */
function doneNotice(r: RegistrationPagesProse, roster: Roster, query: Request['query']): RawHtml | string {
  const done = query.done;
  const n = Number(query.n ?? 0);
  const count = Number.isInteger(n) && n >= 0 && n <= 10_000 ? n : 0;
  const familyId = typeof query.family === 'string' && ID.test(query.family) ? query.family : undefined;
  const name = familyId ? [...roster.registered, ...roster.waitlisted, ...roster.cancelled].find((f) => f.familyId === familyId)?.name : undefined;
  let text: string | undefined;
  if (done === 'promoted') text = count > 0 ? r.done.promoted(count) : r.done.nonePromoted;
  else if (done === 'cancelled' && name) text = r.done.cancelled(name, count);
  else if (done === 'notCancelled' && name) text = r.done.notCancelled(name);
  return text ? html`<p class="ok" role="status">${text}</p>` : '';
}

function familyCell(f: RosterFamily, activityCompound: string): RawHtml {
  // A family of another compound (a coordinator's cross-compound registration) says which.
  return html`<td class="name" data-label=""><strong>${f.name}</strong>${f.compound !== activityCompound ? html` <span class="muted">${f.compoundName}</span>` : ''}</td>`;
}

function sectionBody(ctx: PageCtx, roster: Roster, query: Request['query']): RawHtml {
  const r = catalogFor(ctx.locale).registrations;
  const c = r.columns;
  const when = (iso: string | null) => (iso ? formatDateTime(iso, ctx.locale) : '–');
  const act = mayAct(ctx.viewer);
  const closed = roster.noShows !== undefined;
  const id = roster.activity.id;
  const compound = roster.activity.compound_id;
  const cancelLink = (f: RosterFamily) => (act ? html`<td data-label=""><a href="${cancelPath(id, f.familyId)}">${r.cancel}</a></td>` : '');
  const actionHead = act ? html`<th></th>` : '';
  const stateBadge = (f: RosterFamily) => {
    const state = familyState(f, closed);
    return html`<span class="badge ${STATE_BADGE[state]}">${r.statuses[state]}</span>`;
  };

  const registered = roster.registered.length
    ? html`<table class="roster"><thead><tr><th class="num">${c.position}</th><th>${c.family}</th><th class="num">${c.members}</th><th>${c.registeredAt}</th><th>${c.status}</th>${actionHead}</tr></thead><tbody>${roster.registered.map(
        (f, i) =>
          html`<tr><td class="num pos" data-label="">${i + 1}</td>${familyCell(f, compound)}<td class="num" data-label="${c.members}">${f.members}</td><td class="t" data-label="${c.registeredAt}">${when(f.registeredAt)}</td><td data-label="${c.status}">${stateBadge(f)}${
            f.checkedInAt ? html` <span class="muted">${when(f.checkedInAt)}</span>` : ''
          }</td>${cancelLink(f)}</tr>`,
      )}</tbody></table>`
    : html`<p class="muted">${r.none}</p>`;

  const waitlisted = roster.waitlisted.length
    ? html`<table class="roster"><thead><tr><th class="num">${c.position}</th><th>${c.family}</th><th class="num">${c.members}</th><th>${c.registeredAt}</th>${actionHead}</tr></thead><tbody>${roster.waitlisted.map(
        (f, i) =>
          html`<tr><td class="num pos" data-label="">${i + 1}</td>${familyCell(f, compound)}<td class="num" data-label="${c.members}">${f.members}</td><td class="t" data-label="${c.registeredAt}">${when(f.registeredAt)}</td>${cancelLink(f)}</tr>`,
      )}</tbody></table>${
        act
          ? html`<form method="post" action="${activityPath(id)}/registrations/promote"><input type="hidden" name="csrf" value="${ctx.csrf}"><p class="muted">${r.promoteHint}</p><div class="buttons"><button type="submit">${r.promote}</button></div></form>`
          : ''
      }`
    : html`<p class="muted">${r.none}</p>`;

  const noShows = roster.noShows
    ? html`<h3>${r.lists.noShows}</h3>${roster.noShows.length ? html`<p>${roster.noShows.map((f, i) => html`${i ? '、' : ''}${f.name}`)}</p>` : html`<p class="muted">${r.none}</p>`}`
    : '';

  const cancelled = roster.cancelled.length
    ? html`<table class="roster"><thead><tr><th>${c.family}</th><th class="num">${c.members}</th><th>${c.registeredAt}</th><th>${c.status}</th></tr></thead><tbody>${roster.cancelled.map(
        (f) =>
          html`<tr>${familyCell(f, compound)}<td class="num" data-label="${c.members}">${f.members}</td><td class="t" data-label="${c.registeredAt}">${when(f.registeredAt)}</td><td data-label="${c.status}">${stateBadge(f)} <span class="muted">${when(f.updatedAt)}</span></td></tr>`,
      )}</tbody></table>`
    : html`<p class="muted">${r.none}</p>`;

  const volunteers = roster.volunteers.length
    ? html`<table class="roster"><thead><tr><th>${c.volunteer}</th><th>${c.registeredAt}</th><th>${c.checkedInAt}</th><th>${c.checkedOutAt}</th><th class="num">${c.hours}</th></tr></thead><tbody>${roster.volunteers.map(
        (v) =>
          html`<tr><td class="name" data-label=""><strong>${v.name}</strong></td><td class="t" data-label="${c.registeredAt}">${when(v.signedUpAt)}</td><td class="t" data-label="${c.checkedInAt}">${when(v.checkedInAt)}</td><td class="t" data-label="${c.checkedOutAt}">${when(
            v.checkedOutAt,
          )}</td><td class="num" data-label="${c.hours}">${serviceHours(v) ?? '–'}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="muted">${r.noVolunteers}</p>`;

  const counts = r.counts(roster.registered.length, roster.waitlisted.length, roster.cancelled.length, roster.checkedIn, roster.noShows?.length ?? 0);
  return html`${doneNotice(r, roster, query)}<p class="headcount"><strong>${r.headcount(roster.registeredPeople, Number(roster.activity.capacity), roster.placesLeft)}</strong></p><p class="muted">${counts}${
    closed ? '' : html`<br>${r.noShowsLater}`
  }</p><h3>${r.lists.registered}</h3>${registered}${noShows}<h3>${r.lists.waitlisted}</h3>${waitlisted}<h3>${r.lists.cancelled}</h3>${cancelled}<h3>${r.lists.volunteers}</h3>${volunteers}`;
}

/**
 * The registrations card of the activity page (its data loaded here, so the dashboard's handler
 * makes one call); `query` carries what a form just did.
 */
export async function registrationSection(deps: Pick<RegistrationPagesDeps, 'repos'>, ctx: PageCtx, activityId: string, query: Request['query']): Promise<RawHtml> {
  const r = catalogFor(ctx.locale).registrations;
  const roster = await loadRoster(deps.repos, ctx.viewer, activityId);
  const csv = roster ? html` <a class="csv" href="${activityPath(activityId)}/registrations.csv?lang=${ctx.locale}" download>${r.csv.download}</a>` : '';
  const desk = roster && ctx.viewer.role !== 'supervisor' ? html` <a class="csv" href="${activityPath(activityId)}/desk">${catalogFor(ctx.locale).checkInDesk.link}</a>` : '';
  return html`<div class="card" id="registrations"><h2>${r.heading}${csv}${desk}</h2>${roster ? sectionBody(ctx, roster, query) : html`<p class="muted">${r.notRecorded}</p>`}</div>`;
}

// ---- the CSV --------------------------------------------------------------------------------

function rosterCsv(locale: PageCtx['locale'], roster: Roster): string {
  const r = catalogFor(locale).registrations;
  const when = (iso: string | null) => (iso ? formatDateTime(iso, locale) : '');
  const closed = roster.noShows !== undefined;
  const columns = (Object.keys(r.csv.headers) as RegistrationCsvColumn[]).map((key) => ({ key, header: r.csv.headers[key] }));
  type Row = Partial<Record<RegistrationCsvColumn, Cell>>;
  const family = (list: string, f: RosterFamily, position: number): Row => ({
    list,
    position,
    family: f.name,
    compound: f.compoundName,
    members: f.members,
    status: r.statuses[familyState(f, closed)],
    registeredAt: when(f.registeredAt),
    checkedInAt: when(f.checkedInAt),
  });
  const rows: Row[] = [
    ...roster.registered.map((f, i) => family(r.csv.lists.registered, f, i + 1)),
    ...roster.waitlisted.map((f, i) => family(r.csv.lists.waitlisted, f, i + 1)),
    ...roster.cancelled.map((f, i) => family(r.csv.lists.cancelled, f, i + 1)),
    ...roster.volunteers.map((v, i) => ({
      list: r.csv.lists.volunteers,
      position: i + 1,
      family: v.name,
      status: v.checkedOutAt ? r.statuses.checkedOut : v.checkedInAt ? r.statuses.checkedIn : r.statuses.signedUp,
      registeredAt: when(v.signedUpAt),
      checkedInAt: when(v.checkedInAt),
      checkedOutAt: when(v.checkedOutAt),
      hours: serviceHours(v),
    })),
  ];
  return toCsv({ columns, rows });
}

// ---- the routes -------------------------------------------------------------------------------

/** Registers the registrations' CSV, promote and cancel routes on the dashboard's router. */
export function registrationPages(router: Router, deps: RegistrationPagesDeps, ctxOf: (req: Request, res: Response) => PageCtx): void {
  const actions = registrationActions(deps);
  const form = express.urlencoded({ extended: false, limit: '4kb' });

  const activityIdOf = (req: Request): string => {
    const id = String(req.params.id);
    if (!ID.test(id)) throw new DashboardNotFound();
    return id;
  };
  const familyIdOf = (req: Request): string => {
    const id = String(req.params.familyId);
    if (!ID.test(id)) throw new DashboardNotFound();
    return id;
  };
  const rosterOr404 = async (ctx: PageCtx, id: string): Promise<Roster> => {
    const roster = await loadRoster(deps.repos, ctx.viewer, id);
    if (!roster) throw new DashboardNotFound();
    return roster;
  };
  /** The organiser posting our form, as the API's principal; a 403 page for anyone else. */
  const organiserOf = (ctx: PageCtx, res: Response) => {
    if (!signedPageOf(res).formIsOurs()) throw new HttpError(403, 'Forbidden', 'This form did not come from our page; open the page again and retry');
    if (!mayAct(ctx.viewer)) throw new HttpError(403, 'Forbidden', 'Only property managers and coordinators change registrations');
    const v = ctx.viewer;
    return { staffId: v.staffId, role: v.role, name: v.name, ...(v.compound ? { compound: v.compound } : {}) };
  };

  router.get('/activities/:id/registrations.csv', async (req, res) => {
    const ctx = ctxOf(req, res);
    const id = activityIdOf(req);
    const roster = await rosterOr404(ctx, id);
    res
      .status(200)
      .type('text/csv; charset=utf-8')
      .setHeader('Content-Disposition', `attachment; filename="registrations-${id}.csv"`)
      .send(rosterCsv(ctx.locale, roster));
  });

  router.post('/activities/:id/registrations/promote', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const id = activityIdOf(req);
    await rosterOr404(ctx, id);
    const outcome = await actions.promote(organiserOf(ctx, res), id);
    res.redirect(303, `${activityPath(id)}?done=promoted&n=${outcome.promoted.length}#registrations`);
  });

  router.get('/activities/:id/registrations/:familyId/cancel', async (req, res) => {
    const ctx = ctxOf(req, res);
    const id = activityIdOf(req);
    const familyId = familyIdOf(req);
    const roster = await rosterOr404(ctx, id);
    const family = [...roster.registered, ...roster.waitlisted].find((f) => f.familyId === familyId);
    if (!family || !mayAct(ctx.viewer)) throw new DashboardNotFound();
    const r = catalogFor(ctx.locale).registrations;
    const confirm = html`<form method="post" action="${cancelPath(id, familyId)}"><input type="hidden" name="csrf" value="${ctx.csrf}"><div class="buttons"><button type="submit">${r.confirm.yes}</button></div></form><p><a href="${activityPath(
      id,
    )}#registrations">${r.confirm.back}</a></p>`;
    ctx.render(200, r.confirm.title, messageCard(r.confirm.title, [r.confirm.body(family.name, roster.activity.title)], confirm));
  });

  router.post('/activities/:id/registrations/:familyId/cancel', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const id = activityIdOf(req);
    const familyId = familyIdOf(req);
    await rosterOr404(ctx, id);
    const outcome = await actions.cancel(organiserOf(ctx, res), id, familyId);
    const done = outcome.cancelled ? 'cancelled' : 'notCancelled';
    res.redirect(303, `${activityPath(id)}?done=${done}&family=${encodeURIComponent(familyId)}&n=${outcome.promoted.length}#registrations`);
  });
}

