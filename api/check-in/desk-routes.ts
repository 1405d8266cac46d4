/**
 * The check-in desk in the browser (registered on the dashboard's router, so every route needs a
 * staff session; the POSTs carry the page's CSRF value in their JSON body and are checked by the
 * one rule of api/http/session.ts):
 *
 *   GET  /dashboard/activities/:id/desk[?code=]      the desk (phone first); `code` is looked up on load
 *   GET  /dashboard/activities/:id/desk/state        the window, the live count and the lists (polled)
 *   GET  /dashboard/activities/:id/desk/directory?q= families of the activity's compound by name (walk-ins)
 *   POST /dashboard/activities/:id/desk/lookup       {csrf, code}: who the card or typed code is; records nothing
 *   POST /dashboard/activities/:id/desk/check-in     {csrf, nonce, code | familyId | volunteerId, members?}
 *   POST /dashboard/activities/:id/desk/walk-in      {csrf, nonce, name, email, members}: a new family, checked in
 *   POST /dashboard/activities/:id/desk/check-out    {csrf, volunteerId | code}
 *
 * and, mounted before the families' pages, `GET /q/<qrToken>` for signed-in desk staff (a card's
 * link opens the desk with that person found); anyone else falls through to the family's card.
 *
 * The work is the JSON API's (createCheckInActions in ./routes.ts): the same roles (DESK_STAFF),
 * compound scope, attendance window and nonce idempotency; a retried nonce records nothing new,
 * which is what lets the page's offline queue send a check-in again until it gets an answer.
 * Answers are JSON with the sentence to show in the page's language.
 */
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../../config';
import type { Repositories } from '../../db/repositories';
import type { Locale } from '../../domain/schemas';
import { text } from '../../domain/text';
import { CheckInError, type CheckInResult } from '../../db/services/checkin';
import { DashboardForbidden, DashboardNotFound } from '../dashboard/access';
import { dashboardStrings } from '../dashboard/i18n';
import type { PageCtx } from '../dashboard/page-context';
import type { StaffPrincipal } from '../http/auth';
import { HttpError, toHttpError, type Logger } from '../http/errors';
import { personScope } from '../../domain/access';
import { DESK_STAFF, boundCompound, type ActivityRef } from '../http/feature-routes';
import { staffPage } from '../http/layout';
import { cookiePolicy, formIsOurs, issueCsrf, readCookie, staffCsrfCookie, staffLocale, type SessionStore, type StaffSession } from '../http/session';
import { allowOwnScripts } from './assets';
import { chooserBody, deskBody, deskFragments, deskProse, directoryFragment, windowText, type DeskState } from './desk-page';
import { createCheckInActions, personByScan, type CheckInActions } from './routes';
import { formatDateTime } from '../../i18n/format';

export interface DeskDeps {
  repos: Repositories;
  config: Config;
  /** Epoch ms. */
  now: () => number;
  logger: Logger;
}

const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const Members = z.number().int().min(1).max(50);
const Nonce = z.string().trim().min(1).max(200);
const Code = z.string().trim().min(1).max(500);
const Csrf = z.string().max(100);

const LookupBody = z.strictObject({ csrf: Csrf, code: Code });
const CheckInBody = z
  .strictObject({ csrf: Csrf, nonce: Nonce, code: Code.optional(), familyId: z.string().regex(ID).optional(), volunteerId: z.string().regex(ID).optional(), members: Members.optional() })
  .refine((b) => [b.code, b.familyId, b.volunteerId].filter((x) => x !== undefined).length === 1, { message: 'give exactly one of code, familyId and volunteerId', path: ['code'] });
const WalkInBody = z.strictObject({ csrf: Csrf, nonce: Nonce, name: text().trim().min(1).max(200), email: z.string().trim().pipe(z.email()), members: Members });
const CheckOutBody = z
  .strictObject({ csrf: Csrf, nonce: Nonce.optional(), code: Code.optional(), volunteerId: z.string().regex(ID).optional() })
  .refine((b) => (b.code === undefined) !== (b.volunteerId === undefined), { message: 'give exactly one of code and volunteerId', path: ['code'] });

const mayWorkDesk = (role: string): boolean => (DESK_STAFF as readonly string[]).includes(role);

function principalOf(v: StaffSession): StaffPrincipal {
  return { staffId: v.staffId, role: v.role, name: v.name, ...(v.compound ? { compound: v.compound } : {}) };
}

/** The sentence for a refusal, by its code, in the page's language. */
async function refusal(locale: Locale, err: unknown, windowLine: () => Promise<string>): Promise<{ status: number; code: string; message: string }> {
  const d = deskProse(locale);
  const known = toHttpError(err);
  if (!known || known.status >= 500) return { status: known?.status ?? 500, code: known?.code ?? 'Internal', message: d.errors.generic };
  const code = known.code;
  const say = (message: string) => ({ status: known.status, code, message });
  if (code === 'ATTENDANCE_NOT_OPEN') return say(await windowLine());
  if (code === 'PERSON_NOT_FOUND' || code === 'FAMILY_NOT_FOUND' || code === 'VOLUNTEER_NOT_FOUND' || known.status === 404) {
    return say(/more than one card/.test(known.message) ? d.errors.ambiguous : d.errors.notFound);
  }
  if (code === 'OTHER_COMPOUND' || known.status === 403) return say(d.errors.otherCompound);
  if (code === 'NOT_CHECKED_IN') return say(d.errors.notCheckedIn);
  if (code === 'NONCE_REUSED') return say(d.errors.nonceReused);
  if (code === 'InvalidInput' && /family’s card/.test(known.message)) return say(d.errors.familyCard);
  if (known.status === 400 || code === 'DUPLICATE') return say(d.errors.invalid);
  return say(d.errors.generic);
}

export function deskPages(router: Router, deps: DeskDeps, ctxOf: (req: Request, res: Response) => PageCtx): void {
  const { repos, config } = deps;
  const actions: CheckInActions = createCheckInActions({ repos, config, now: deps.now });
  const json = express.json({ limit: '8kb' });
  const base = '/activities/:id/desk';

  /** The activity when this viewer may work its desk: a desk role, of its compound (coordinators: any). */
  async function deskActivity(ctx: PageCtx, req: Request): Promise<ActivityRef> {
    if (!mayWorkDesk(ctx.viewer.role)) throw new DashboardForbidden('points');
    const id = String(req.params.id);
    if (!ID.test(id)) throw new DashboardNotFound();
    try {
      return await actions.activityFor(principalOf(ctx.viewer), id);
    } catch (err) {
      const known = toHttpError(err);
      if (known?.status === 404) throw new DashboardNotFound();
      if (known?.status === 403) throw new DashboardForbidden(ctx.viewer.compound ? 'otherCompound' : 'noCompound');
      throw err;
    }
  }

  async function stateOf(activity: ActivityRef): Promise<DeskState> {
    const [roster, checkIns] = await Promise.all([repos.activities.roster(activity.id), repos.activities.deskCheckIns(activity.id)]);
    return {
      activity,
      families: roster.families,
      volunteers: roster.volunteers,
      checkIns,
      expectedOpensAt: expectedOpensAt(activity),
    };
  }

  const expectedOpensAt = (a: ActivityRef): string => new Date(Date.parse(a.startsAt) - config.timings.attendanceOpensBeforeMs).toISOString();

  /** The window's line as it is now (a refused check-in reads the activity again: the workflow may just have flipped it). */
  const windowLine = async (ctx: PageCtx, activityId: string): Promise<string> => {
    const fresh = await actions.activityFor(principalOf(ctx.viewer), activityId);
    return windowText(deskProse(ctx.locale), ctx.locale, fresh, expectedOpensAt(fresh));
  };

  /** A JSON endpoint of the desk: the viewer's activity, the CSRF rule for POSTs, refusals in the page's words. */
  function endpoint(method: 'get' | 'post', path: string, schema: z.ZodType | undefined, handle: (ctx: PageCtx, activity: ActivityRef, body: any, req: Request) => Promise<{ status?: number; body: unknown }>): void {
    const run = async (req: Request, res: Response) => {
      const ctx = ctxOf(req, res);
      res.setHeader('Cache-Control', 'no-store');
      const activity = await deskActivity(ctx, req).catch((err: unknown) => {
        const d = deskProse(ctx.locale);
        const status = err instanceof DashboardNotFound ? 404 : 403;
        res.status(status).json({ error: { code: status === 404 ? 'NotFound' : 'Forbidden', message: status === 404 ? d.errors.notFound : d.errors.forbidden } });
        return undefined;
      });
      if (!activity) return;
      if (method === 'post' && !formIsOurs(req, staffCsrfCookie(cookiePolicy(config)))) {
        res.status(403).json({ error: { code: 'Forbidden', message: deskProse(ctx.locale).errors.forbidden } });
        return;
      }
      let body: unknown = undefined;
      if (schema) {
        const parsed = schema.safeParse(req.body ?? {});
        if (!parsed.success) {
          res.status(400).json({ error: { code: 'InvalidInput', message: deskProse(ctx.locale).errors.invalid, fields: parsed.error.issues.map((i) => String(i.path[0] ?? '')) } });
          return;
        }
        body = parsed.data;
      }
      try {
        const out = await handle(ctx, activity, body, req);
        res.status(out.status ?? 200).json(out.body);
      } catch (err) {
        const r = await refusal(ctx.locale, err, () => windowLine(ctx, activity.id));
        if (r.status >= 500) deps.logger.error('desk: request failed', { path: req.path, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
        res.status(r.status).json({ error: { code: r.code, message: r.message } });
      }
    };
    if (method === 'get') router.get(`${base}${path}`, run);
    else router.post(`${base}${path}`, json, run);
  }

  /** What the desk says after a check-in: checked in now, or already (when, by whom). */
  async function answer(ctx: PageCtx, activity: ActivityRef, result: CheckInResult, extra: Record<string, unknown> = {}) {
    const d = deskProse(ctx.locale);
    const [row] = await repos.activities.deskCheckIns(activity.id, { kind: result.personKind, id: result.personId });
    const name = row?.name ?? '';
    const message = result.status === 'checkedIn' ? d.result.checkedIn(name, result.members) : `${name}：${d.result.already(formatDateTime(result.at, ctx.locale), row?.byName ?? null)}`;
    return { status: result.status === 'checkedIn' ? 201 : 200, body: { status: result.status, personKind: result.personKind, personId: result.personId, name, members: result.members, message, ...extra } };
  }

  // ---- the page -------------------------------------------------------------------------------
  router.get(base, async (req, res) => {
    const ctx = ctxOf(req, res);
    const activity = await deskActivity(ctx, req);
    const [state, compoundName] = await Promise.all([stateOf(activity), repos.people.compoundName(activity.compound)]);
    const code = typeof req.query.code === 'string' ? req.query.code.slice(0, 500) : undefined;
    allowOwnScripts(res);
    // The camera is used by this page only, from this origin.
    res.setHeader('Permissions-Policy', 'camera=(self)');
    ctx.render(200, deskProse(ctx.locale).title(activity.title), deskBody({ locale: ctx.locale, csrf: ctx.csrf, state, compoundName: compoundName ?? activity.compound, ...(code ? { code } : {}) }));
  });

  endpoint('get', '/state', undefined, async (ctx, activity) => ({ body: { attendanceState: activity.attendanceState, fragments: deskFragments(ctx.locale, await stateOf(activity)) } }));

  endpoint('get', '/directory', undefined, async (ctx, activity, _body, req) => {
    const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 200).toLowerCase() : '';
    // A property manager or grid worker finds only their own compound's families; a coordinator the activity's compound's.
    const compound = (await boundCompound(repos, principalOf(ctx.viewer))) ?? activity.compound;
    const families = (await repos.directory.listFamilies({ compoundId: compound })).filter((f) => f.active && (q === '' || f.name.toLowerCase().includes(q))).slice(0, 30);
    const checkIns = await repos.activities.deskCheckIns(activity.id);
    return { body: { html: directoryFragment(ctx.locale, families.map((f) => ({ id: f.id, name: f.name, members: Number(f.members) })), checkIns) } };
  });

  endpoint('post', '/lookup', LookupBody, async (ctx, activity, body: z.infer<typeof LookupBody>) => {
    const d = deskProse(ctx.locale);
    const person = await personByScan(repos, body.code);
    // A property manager or grid worker sees no name of another compound's family or volunteer.
    const own = await boundCompound(repos, principalOf(ctx.viewer));
    const [scoped] = await repos.people.compoundsOf([person]);
    if (scoped && personScope({ role: ctx.viewer.role, compound: own }, activity.compound, scoped.compound?.id ?? null) === 'otherCompound') {
      throw new HttpError(403, 'OTHER_COMPOUND', 'This card is of another compound');
    }
    const [row] = await repos.activities.deskCheckIns(activity.id, person);
    const when = (iso: string) => formatDateTime(iso, ctx.locale);
    if (person.kind === 'volunteer') {
      const v = await repos.people.volunteerName(person.id);
      return {
        body: {
          kind: 'volunteer',
          id: person.id,
          name: v?.name ?? '',
          detail: d.result.volunteer,
          checkedIn: row ? d.result.already(when(row.at), row.byName) : null,
          checkedOut: row?.checkedOutAt ? d.result.alreadyOut(when(row.checkedOutAt)) : null,
        },
      };
    }
    const [family, registration] = await Promise.all([repos.people.familyHousehold(person.id), repos.registrations().get(activity.id, person.id)]);
    const held = registration && registration.status !== 'cancelled' ? registration : undefined;
    const detail = !held ? d.result.notRegistered : held.status === 'waitlisted' ? d.result.waitlisted(held.members) : d.result.registered(held.members);
    return {
      body: {
        kind: 'family',
        id: person.id,
        name: family?.name ?? '',
        detail,
        members: row?.members ?? held?.members ?? Number(family?.members ?? 1),
        checkedIn: row ? d.result.already(when(row.at), row.byName) : null,
      },
    };
  });

  endpoint('post', '/check-in', CheckInBody, async (ctx, activity, body: z.infer<typeof CheckInBody>) => {
    const staff = principalOf(ctx.viewer);
    // The desk's scan takes the same one-statement path as the API's (actions.scan), the full one only when it writes nothing.
    if (body.code !== undefined) return answer(ctx, activity, (await actions.scan(staff, activity.id, body.code, { nonce: body.nonce, members: body.members })).result);
    const { result } = await actions.walkIn(staff, activity, {
      ...(body.familyId ? { familyId: body.familyId } : { volunteerId: body.volunteerId }),
      nonce: body.nonce,
      ...(body.members !== undefined ? { members: body.members } : {}),
    });
    return answer(ctx, activity, result);
  });

  endpoint('post', '/walk-in', WalkInBody, async (ctx, activity, body: z.infer<typeof WalkInBody>) => {
    const { result, familyCreated } = await actions.walkIn(principalOf(ctx.viewer), activity, {
      newFamily: { name: body.name, email: body.email, locale: ctx.locale, members: body.members },
      members: body.members,
      nonce: body.nonce,
    });
    return answer(ctx, activity, result, { familyCreated });
  });

  endpoint('post', '/check-out', CheckOutBody, async (ctx, activity, body: z.infer<typeof CheckOutBody>) => {
    const d = deskProse(ctx.locale);
    const out = await actions.checkOut(activity, body.code !== undefined ? { qrToken: body.code } : { volunteerId: body.volunteerId });
    const v = await repos.people.volunteerName(out.volunteerId);
    const name = v?.name ?? '';
    const message = out.status === 'checkedOut' ? d.result.checkedOut(name) : `${name}：${d.result.alreadyOut(formatDateTime(out.at, ctx.locale))}`;
    return { body: { status: out.status, personKind: 'volunteer', personId: out.volunteerId, name, message } };
  });
}

// ---- /q/<qrToken> for desk staff -------------------------------------------------------------

export interface CardLinkDeps extends DeskDeps {
  sessions: SessionStore;
}

/**
 * `GET /q/<qrToken>`: signed-in desk staff land on the desk of the activity in their scope whose
 * check-in is open now, with the card's person found (a short chooser when several or none are
 * open). Anyone else, and any token that is no card, falls through (`next()`) to the family's page.
 */
export function createCardLinkRouter(deps: CardLinkDeps): Router {
  const { repos, config } = deps;
  const policy = cookiePolicy(config);
  const router = Router();
  router.get('/q/:qrToken', async (req, res, next) => {
    try {
      const cookie = readCookie(req, policy.session);
      if (!cookie) return next();
      const session = await deps.sessions.find(cookie);
      if (!session || !mayWorkDesk(session.role)) return next();
      const token = String(req.params.qrToken);
      if (!/^[A-Za-z0-9_-]{1,200}$/.test(token)) return next();
      // Not a card: the family's page answers it. An outage still throws (a 503 page, not a wrong card).
      const person = await personByScan(repos, token).catch((err: unknown) => {
        if (err instanceof CheckInError) return undefined;
        throw err;
      });
      if (!person) return next();
      const own = session.role === 'coordinator' ? undefined : (session.compound ?? undefined);
      if (session.role !== 'coordinator' && own === undefined) return next();
      const open = await repos.activities.openForCheckIn(own);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('X-Robots-Tag', 'noindex, nofollow');
      const only = open.length === 1 ? open[0] : undefined;
      if (only) {
        res.redirect(303, `/dashboard/activities/${encodeURIComponent(only.id)}/desk?code=${encodeURIComponent(token)}`);
        return;
      }
      const locale = staffLocale(req, res, policy, config.http.defaultLocale);
      const s = dashboardStrings(locale);
      const csrf = issueCsrf(req, res, staffCsrfCookie(policy));
      res
        .status(200)
        .type('html')
        .send(staffPage({ locale, s, title: deskProse(locale).chooser.heading, body: chooserBody(locale, open, token), originalUrl: req.originalUrl, viewer: session, csrf, narrow: true }));
    } catch (err) {
      next(err);
    }
  });
  return router;
}

