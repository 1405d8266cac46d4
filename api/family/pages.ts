/**
 * Families' and volunteers' own pages (the rules of shared NOTES-links.md hold):
 *
 *   GET  /s/<token>   shows the activity, the person's state and a form; never acts
 *   POST /s/<token>   acts: register (with a member count) or cancel, for a 'register' link;
 *                     check in (and, for volunteers, check out) for a 'checkIn' link
 *   GET  /q/<qrToken> the page behind a QR card: the holder's own card (name, QR, short code; home-page.ts)
 *   GET  /activities/<id>/register         the "register now" button of the registration-open email:
 *   POST /activities/<id>/register         asks for the family's email and sends its personal link
 *                                          there (only to an address on file; same answer either way)
 *
 * Tokens are signed, bound to the activity, the step, the person and an expiry (self-service-links.ts).
 * Forms carry the double-submit CSRF value (cookie scoped to the page, as the action links do) and
 * an Origin check; every response is no-store, noindex; every POST on a link is written to the
 * action audit (who, what, outcome, IP, user agent).
 *
 * Rate limits: families check in from the venue's Wi-Fi, one address for everyone, so a good link
 * (or a card's token) has its own bucket, a bad or unknown link counts against its address, the
 * other pages count per address as before, and one generous per-address ceiling covers them all.
 *
 * A family registered by its link gets the confirmation email (its card as an inline QR image,
 * the short code, its check-in link, a calendar file, this link to cancel) through the outbox.
 */
import { randomUUID } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Mailer } from '../../mail/mailer';
import type { Config } from '../../config';
import { CheckInError } from '../../db/services/checkin';
import { RegistrationError, type RegistrationView } from '../../db/services/registration';
import type { Repositories } from '../../db/repositories';
import { registrationClosedReason } from '../../domain/activity';
import type { Locale } from '../../domain/schemas';
import { messageIdFor } from '../../mail/message-id';
import type { RenderEmail } from '../../mail/messages';
import { CSRF_COOKIE } from '../links/routes';
import type { AuditLog, AuditOutcome } from '../links/audit';
import { toHttpError, type Logger } from '../http/errors';
import { html, raw, type RawHtml } from '../http/html';
import { publicPage } from '../http/layout';
import { pickLocale } from '../links/i18n';
import { activityIfRecorded, activityOr404, type ActivityRef } from '../http/feature-routes';
import type { PeopleMail } from '../registration/mail';
import { TokenBucketLimiter, type RateLimitOptions } from '../http/rate-limit';
import { selfServiceStrings } from './i18n';
import { SELF_SERVICE_PREFIX, linkExpiry, readSelfServiceToken, signSelfServiceLink, type PersonRef, type SelfServiceLink } from './links';
import { formField } from '../http/session';
import { familyPageLinkLine, qrCardHandler } from './home-page';
import { signedPage, signedPageOf } from '../http/signed-page';

export interface SelfServiceDeps {
  repos: Repositories;
  config: Config;
  linkSecret: string;
  mail: PeopleMail;
  mailer: Mailer;
  render: RenderEmail;
  audit: AuditLog;
  logger: Logger;
  now: () => number;
  /** Per client IP over all these pages: the ceiling against floods (config FAMILY_PAGES_IP_RATE_PER_MINUTE). */
  rateLimit: RateLimitOptions;
  /** Per link (a good `/s/` token's person and step, or a `/q/` card token), whatever the address (config FAMILY_LINK_RATE_PER_MINUTE). */
  perLinkLimit?: RateLimitOptions;
  /** Per client IP: `/s/` links that do not verify, and the other pages (default 30 and 120 a minute). */
  badLinkLimit?: RateLimitOptions;
  otherPagesLimit?: RateLimitOptions;
  /** Registration links sent per address (default 3, then 1 every 5 minutes). */
  perAddressLimit?: RateLimitOptions;
}

const TERMINAL_STAGES = new Set(['cancelled', 'rejected', 'completed']);
const MAX_EMAIL = 254;

type Strings = ReturnType<typeof selfServiceStrings>;
interface Ctx {
  locale: Locale;
  s: Strings;
  /** This page's path, without query. */
  selfPath: string;
}

interface Person {
  kind: 'family' | 'volunteer';
  id: string;
  name: string;
  members: number;
}

export function createSelfServiceRouter(deps: SelfServiceDeps): Router {
  const { repos, config, logger, now } = deps;
  const router = Router();
  const addressLimiter = new TokenBucketLimiter(deps.perAddressLimit ?? { capacity: 3, perMinute: 0.2 }, now);
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
  const secure = config.http.publicBaseUrl.startsWith('https:');
  const publicOrigin = new URL(config.http.publicBaseUrl).origin;
  const clock = () => new Date(now());
  const registrations = repos.registrations({ now: clock });
  const checkIns = repos.checkIns({ now: clock });
  const PAGES = [SELF_SERVICE_PREFIX, '/q', '/activities'];

  /** Which bucket a request counts in: its link's (a good token, a card), a bad link's address, or another page's address. */
  const bucketOf = new WeakMap<Request, { kind: 'link' | 'badLink' | 'other'; key?: string }>();
  const classify = (req: Request): { kind: 'link' | 'badLink' | 'other'; key?: string } => {
    const known = bucketOf.get(req);
    if (known) return known;
    const path = pathOf(req);
    const selfLink = /^\/s\/([^/]+)\/?$/.exec(path);
    const card = /^\/q\/([^/]+)\/?$/.exec(path);
    let found: { kind: 'link' | 'badLink' | 'other'; key?: string } = { kind: 'other' };
    if (selfLink?.[1]) {
      const read = readSelfServiceToken(decodeURIComponent(selfLink[1]), deps.linkSecret, now());
      // Keyed on what the link is for (not its spelling): a re-issued link shares its person's bucket.
      found = read.kind === 'invalid' ? { kind: 'badLink' } : { kind: 'link', key: `s:${read.claims.wf}|${read.claims.step}|${read.claims.rcp}` };
    } else if (card?.[1]) {
      found = { kind: 'link', key: `q:${card[1].slice(0, 64)}` };
    }
    bucketOf.set(req, found);
    return found;
  };

  const pathOf = (req: Request): string => req.originalUrl.split('?')[0] ?? '/';
  const ctxOf = (req: Request, res: Response): Ctx => {
    // The error handler below may run before signedPage has (a path it does not cover).
    const locale = (res.locals.signedPage ? signedPageOf(res).locale : undefined) ?? pickLocale(req, config.http.defaultLocale);
    return { locale, s: selfServiceStrings(locale), selfPath: pathOf(req) };
  };

  const send = (res: Response, ctx: Ctx, status: number, title: string, body: RawHtml): void => {
    const other = `${ctx.selfPath}?lang=${ctx.s.otherLanguage.lang}`;
    res.status(status).type('html').send(publicPage({ s: ctx.s, title, body, otherLanguageHref: other }));
  };
  const message = (res: Response, ctx: Ctx, status: number, title: string, text: string): void =>
    send(res, ctx, status, title, html`<div class="card"><h1>${title}</h1><p>${text}</p></div>`);

  // The CSRF cookie is scoped to the page's own path, as the action links do.
  router.use(
    PAGES,
    signedPage({
      now,
      rateLimits: [
        deps.rateLimit,
        { ...(deps.perLinkLimit ?? { capacity: 30, perMinute: 30 }), key: (req) => classify(req).key },
        { ...(deps.badLinkLimit ?? { capacity: 30, perMinute: 30 }), applies: (req) => classify(req).kind === 'badLink' },
        { ...(deps.otherPagesLimit ?? { capacity: 120, perMinute: 120 }), applies: (req) => classify(req).kind === 'other' },
      ],
      locale: (req) => pickLocale(req, config.http.defaultLocale),
      csrf: (req) => ({ name: CSRF_COOKIE, path: pathOf(req), secure, publicOrigin }),
      rateLimited(req, res) {
        const ctx = ctxOf(req, res);
        message(res, ctx, 429, ctx.s.pages.rateLimited.title, ctx.s.pages.rateLimited.body);
      },
    }),
  );
  const issueCsrf = (res: Response): string => signedPageOf(res).csrf();
  const formIsOurs = (res: Response): boolean => signedPageOf(res).formIsOurs();

  // ---- shared pieces -------------------------------------------------------------------------

  async function personOf(ref: PersonRef): Promise<Person | undefined> {
    if (ref.kind === 'family') {
      const f = await repos.people.familyHousehold(ref.id);
      return f ? { kind: 'family', id: f.id, name: f.name, members: Number(f.members) } : undefined;
    }
    const v = await repos.people.volunteerName(ref.id);
    return v ? { kind: 'volunteer', id: v.id, name: v.name, members: 1 } : undefined;
  }

  async function activityTable(ctx: Ctx, a: ActivityRef, extra: RawHtml | string = '', details = false): Promise<RawHtml> {
    const compoundName = await repos.people.compoundName(a.compound);
    const l = ctx.s.ss.labels;
    // The register page shows the plan's venue and description (from the workflow, cached: api/registration/mail.ts).
    const plan = details ? await deps.mail.activityDetails(a) : undefined;
    const venue = plan?.summary.venueName ? html`<tr><td class="l">${ctx.s.ss.oneStep.venue}</td><td>${plan.summary.venueName}</td></tr>` : '';
    const description = plan?.description.trim() ? html`<tr><td class="l">${ctx.s.ss.oneStep.description}</td><td style="white-space:pre-line">${plan.description.trim()}</td></tr>` : '';
    return html`<table><tr><td class="l">${l.activity}</td><td>${a.title}</td></tr><tr><td class="l">${l.compound}</td><td>${compoundName ?? a.compound}</td></tr><tr><td class="l">${l.time}</td><td>${ctx.s.range(a.startsAt, a.endsAt)}</td></tr>${venue}${description}${extra}</table>`;
  }

  const registrationOpen = (a: ActivityRef): boolean =>
    a.attendanceState === 'notOpen' && registrationClosedReason(a.stage) === undefined && now() < linkExpiry('register', a, config);

  /** Why a family cannot register now, in its words: the stage's reason first, else check-in has opened. */
  function closedText(ctx: Ctx, a: ActivityRef): string {
    const rs = ctx.s.ss.register;
    const reason = registrationClosedReason(a.stage);
    if (reason === 'awaitingApproval') return rs.notApprovedYet;
    if (reason === 'rejected') return rs.planRejected;
    if (reason === 'cancelled') return rs.activityCancelled;
    return rs.closed;
  }

  /**
   * One reading of the activity's places: the places left, the queue, and this family's registration
   * and place in it. The page's "places left", "full" and "number N in the queue" all come from it,
   * so they can never disagree.
   */
  interface Places {
    left: number;
    waiting: number;
    mine: RegistrationView | undefined;
    /** 1-based, when `mine` is waitlisted. */
    position: number | undefined;
  }
  async function placesOf(a: ActivityRef, familyId: string): Promise<Places> {
    const all = await registrations.list(a.id);
    const taken = all.filter((x) => x.status === 'registered').reduce((sum, x) => sum + x.members, 0);
    const queue = all.filter((x) => x.status === 'waitlisted');
    const mine = all.find((x) => x.familyId === familyId);
    const position = mine?.status === 'waitlisted' ? queue.findIndex((x) => x.familyId === familyId) + 1 : undefined;
    return { left: Math.max(0, a.capacity - taken), waiting: queue.length, mine, position };
  }

  function registrationState(ctx: Ctx, a: ActivityRef, p: Places): string {
    const rs = ctx.s.ss.register;
    const r = p.mine;
    if (!r) return rs.notRegistered;
    if (r.status === 'registered') return rs.registered(r.members);
    if (r.status === 'waitlisted') return rs.waitlisted(r.members, p.position ?? 0);
    return a.stage === 'rejected' || a.stage === 'cancelled' ? rs.released : rs.cancelled;
  }

  const button = (ctx: Ctx, csrf: string, action: string, label: string, extra: RawHtml | string = '', secondary = false): RawHtml =>
    html`<form method="post" action="${ctx.selfPath}?lang=${ctx.locale}"><input type="hidden" name="csrf" value="${csrf}">${extra}<div class="buttons"><button type="submit" name="action" value="${action}"${raw(
      secondary ? ' class="secondary"' : '',
    )}>${label}</button></div></form>`;

  // ---- the register page ---------------------------------------------------------------------

  async function registerPage(
    req: Request,
    res: Response,
    ctx: Ctx,
    a: ActivityRef,
    person: Person,
    o: { status?: number; note?: { kind: 'ok' | 'error'; text: string }; members?: string; justRegistered?: boolean; mailed?: boolean } = {},
  ): Promise<void> {
    const rs = ctx.s.ss.register;
    const os = ctx.s.ss.oneStep;
    const places = await placesOf(a, person.id);
    const r = places.mine;
    const live = r && r.status !== 'cancelled';
    // What just happened, told from the same reading as the table below it.
    let note = o.note;
    if (o.justRegistered && r?.status === 'registered') note = { kind: 'ok', text: o.mailed === false ? os.registeredMailLater : os.registeredMailed };
    if (o.justRegistered && r?.status === 'waitlisted') {
      const position = places.position ?? 0;
      note = { kind: 'ok', text: places.left === 0 ? os.waitlistedFull(position) : os.waitlistedTooFew(places.left, r.members, position) };
    }
    const csrf = issueCsrf(res);
    const queueRow = r?.status === 'waitlisted' && places.position ? html`<tr><td class="l">${os.queueLabel}</td><td><strong>${os.queuePlace(places.position)}</strong></td></tr>` : '';
    const table = await activityTable(
      ctx,
      a,
      html`<tr><td class="l">${ctx.s.ss.labels.state}</td><td>${registrationState(ctx, a, places)}</td></tr>${queueRow}<tr><td class="l">${ctx.s.ss.labels.placesLeft}</td><td>${os.placesLeft(places.left, places.waiting)}</td></tr>`,
      true,
    );
    let action: RawHtml;
    if (!registrationOpen(a)) action = html`<p>${closedText(ctx, a)}</p>`;
    else if (live) {
      // A tick with no default before the button: a scanner pressing the first button cancels nothing (NOTES-links).
      const tick = html`<fieldset class="choices"><label class="choice" for="confirm-cancel"><input type="radio" id="confirm-cancel" name="confirm" value="yes" required>${os.cancelConfirm}</label></fieldset>`;
      action = html`<p>${os.cancelHint}</p>${button(ctx, csrf, 'cancel', rs.cancelButton, tick, true)}`;
    } else {
      // The member count is a choice with no default: one tap on the count, one on the button. A
      // scanner submitting the form as it is registers nobody (NOTES-links).
      const chosen = o.members !== undefined && /^\d{1,2}$/.test(o.members) ? Number(o.members) : undefined;
      const most = Math.min(50, Math.max(8, person.members));
      const counts = Array.from({ length: most }, (_, i) => i + 1);
      const radios = counts.map(
        (n) =>
          html`<label class="choice" for="members-${n}" style="flex:1 1 96px;margin:0;white-space:nowrap"><input type="radio" id="members-${n}" name="members" value="${n}" required${raw(n === chosen ? ' checked' : '')}>${os.membersChoice(n)}</label>`,
      );
      action = html`<p>${rs.intro}</p>${button(
        ctx,
        csrf,
        'register',
        rs.button,
        html`<fieldset class="choices"><legend>${rs.membersLabel}</legend><div style="display:flex;flex-wrap:wrap;gap:8px">${radios}</div></fieldset>`,
      )}`;
    }
    const noteHtml = note ? html`<div class="${note.kind}">${note.text}</div>` : '';
    send(
      res,
      ctx,
      o.status ?? 200,
      rs.heading,
      html`<div class="card"><h1>${rs.heading}</h1>${noteHtml}<p>${ctx.s.ss.hello(person.name)}</p>${table}</div><div class="card">${action}<p class="notice">${ctx.s.ss.notice}</p>${familyPageLinkLine(ctx, person)}</div>`,
    );
  }

  /** Sends (or, after a failed send, sends again) the family's confirmation; a failure stays pending in the outbox and is logged. */
  async function confirm(a: ActivityRef, familyId: string): Promise<boolean> {
    const outcome = await deps.mail.sendRegistrationConfirmation(a, familyId).catch((err: unknown) => {
      logger.error('registration confirmation failed', { activityId: a.id, recipientKey: `family:${familyId}`, error: String(err) });
      return 'pending' as const;
    });
    if (outcome === 'sent') logger.info('registration confirmation sent', { activityId: a.id, recipientKey: `family:${familyId}` });
    return outcome === 'sent' || outcome === 'alreadySent';
  }

  // ---- the check-in page ---------------------------------------------------------------------

  async function checkInPage(req: Request, res: Response, ctx: Ctx, a: ActivityRef, person: Person, o: { status?: number; note?: { kind: 'ok' | 'error'; text: string } } = {}): Promise<void> {
    const cs = ctx.s.ss.checkIn;
    const row = await repos.activities.checkInOf(a.id, person.kind, person.id);
    const csrf = issueCsrf(res);
    let action: RawHtml;
    if (row) {
      const parts = [html`<p>${cs.already(ctx.s.when(row.checked_in_at))}</p>`];
      if (person.kind === 'volunteer' && row.checked_out_at) parts.push(html`<p>${cs.checkedOut(ctx.s.when(row.checked_out_at))}</p>`);
      else if (person.kind === 'volunteer' && a.attendanceState === 'open') parts.push(button(ctx, csrf, 'checkOut', cs.checkOutButton, '', true));
      action = html`${parts}`;
    } else if (a.attendanceState === 'open') {
      action = html`<p>${cs.intro}</p>${button(ctx, csrf, 'checkIn', cs.button)}`;
    } else if (a.attendanceState === 'closed' || TERMINAL_STAGES.has(a.stage)) {
      action = html`<p>${cs.closedNow}</p>`;
    } else {
      const opensAt = a.attendanceOpensAt ?? new Date(Date.parse(a.startsAt) - config.timings.attendanceOpensBeforeMs).toISOString();
      action = html`<p>${cs.notYet(ctx.s.when(opensAt))}</p>`;
    }
    const note = o.note ? html`<div class="${o.note.kind}">${o.note.text}</div>` : '';
    send(
      res,
      ctx,
      o.status ?? 200,
      cs.heading,
      html`<div class="card"><h1>${cs.heading}</h1>${note}<p>${ctx.s.ss.hello(person.name)}</p>${await activityTable(ctx, a)}</div><div class="card">${action}<p class="notice">${ctx.s.ss.notice}</p>${familyPageLinkLine(ctx, person)}</div>`,
    );
  }

  type Loaded = { kind: 'ok'; link: SelfServiceLink; activity: ActivityRef; person: Person } | { kind: 'shown' };

  /** Verifies the token and loads what it names; answers the error page itself when it cannot. */
  async function load(req: Request, res: Response, ctx: Ctx): Promise<Loaded> {
    const link = readSelfServiceToken(String(req.params.token), deps.linkSecret, now());
    const p = ctx.s.ss.pages;
    if (link.kind === 'invalid') {
      message(res, ctx, 400, p.invalid.title, p.invalid.body);
      return { kind: 'shown' };
    }
    if (link.kind === 'expired') {
      const e = link.step === 'register' ? p.expiredRegister : p.expiredCheckIn;
      message(res, ctx, 410, e.title, e.body);
      return { kind: 'shown' };
    }
    const activity = await activityIfRecorded(repos, link.activityId);
    const person = activity ? await personOf(link.person) : undefined;
    if (!activity || !person) {
      message(res, ctx, 404, p.notFound.title, p.notFound.body);
      return { kind: 'shown' };
    }
    return { kind: 'ok', link, activity, person };
  }

  // ---- GET: show, never act ------------------------------------------------------------------

  router.get(`${SELF_SERVICE_PREFIX}/:token`, async (req, res) => {
    const ctx = ctxOf(req, res);
    const l = await load(req, res, ctx);
    if (l.kind !== 'ok') return;
    if (l.link.step === 'register') {
      await registerPage(req, res, ctx, l.activity, l.person);
      // A confirmation whose send failed goes out when the family comes back (the outbox keeps its Message-ID).
      const familyId = l.person.id;
      const activity = l.activity;
      void deps.mail.confirmationPending(activity.id, familyId).then(
        async (pending) => {
          if (pending) await confirm(activity, familyId);
        },
        (err: unknown) => logger.warn('could not read the outbox', { activityId: activity.id, error: String(err) }),
      );
      return;
    }
    return checkInPage(req, res, ctx, l.activity, l.person);
  });

  // ---- POST: the one place these links act ---------------------------------------------------

  router.post(`${SELF_SERVICE_PREFIX}/:token`, form, async (req, res) => {
    const ctx = ctxOf(req, res);
    const p = ctx.s.ss.pages;
    const l = await load(req, res, ctx);
    if (l.kind !== 'ok') return;
    const { link, person } = l;
    let activity = l.activity;
    const action = formField(req.body, 'action');
    const membersText = formField(req.body, 'members').trim();
    const audit = (outcome: AuditOutcome) =>
      deps.audit.record({
        workflowId: link.claims.wf,
        step: link.step,
        round: link.claims.round,
        recipientKey: link.claims.rcp,
        action: action || '(none)',
        outcome,
        comment: action === 'register' ? `members=${membersText}` : '',
        ip: req.ip,
        userAgent: req.get('user-agent'),
      });
    if (!formIsOurs(res)) {
      await audit('invalid');
      return message(res, ctx, 403, p.forbidden.title, p.forbidden.body);
    }
    const page = (o: { status?: number; note?: { kind: 'ok' | 'error'; text: string }; members?: string; justRegistered?: boolean; mailed?: boolean }) =>
      link.step === 'register' ? registerPage(req, res, ctx, activity, person, o) : checkInPage(req, res, ctx, activity, person, o);
    if (!link.claims.act.includes(action)) {
      await audit('invalid');
      return page({ status: 400, note: { kind: 'error', text: p.badAction } });
    }

    if (action === 'register' || action === 'cancel') {
      const rs = ctx.s.ss.register;
      if (!registrationOpen(activity)) {
        await audit('stepClosed');
        return page({ status: 409, note: { kind: 'error', text: closedText(ctx, activity) } });
      }
      if (action === 'cancel') {
        if (formField(req.body, 'confirm') !== 'yes') {
          await audit('invalid');
          return page({ status: 400, note: { kind: 'error', text: ctx.s.ss.oneStep.cancelConfirmMissing } });
        }
        const result = await registrations.cancel(activity.id, person.id);
        await audit(result.cancelled ? 'recorded' : 'alreadyDecided');
        if (result.promoted.length) {
          await deps.mail.sendWaitlistPromotions(activity, result.promoted).catch((err: unknown) => logger.error('waitlist emails failed', { activityId: activity.id, error: String(err) }));
        }
        return page({ note: { kind: 'ok', text: result.cancelled ? rs.cancelDone : rs.nothingToCancel } });
      }
      const before = await registrations.get(activity.id, person.id);
      if (before && before.status !== 'cancelled') {
        await audit('alreadyDecided');
        return page({ note: { kind: 'ok', text: rs.already } });
      }
      const members = /^\d{1,2}$/.test(membersText) ? Number(membersText) : 0;
      if (members < 1 || members > 50) {
        await audit('invalid');
        return page({ status: 400, note: { kind: 'error', text: membersText === '' ? ctx.s.ss.oneStep.chooseMembers : rs.membersInvalid }, members: membersText });
      }
      try {
        const status = await registrations.register(activity.id, person.id, members);
        await audit('recorded');
        const mailed = status === 'registered' ? await confirm(activity, person.id) : undefined;
        return page({ justRegistered: true, ...(mailed !== undefined ? { mailed } : {}) });
      } catch (err) {
        if (err instanceof RegistrationError && err.code === 'REGISTRATION_NOT_OPEN') {
          // The stage moved on while this page was open (the plan rejected, the activity cancelled).
          await audit('stepClosed');
          activity = await activityOr404(repos, activity.id);
          return page({ status: 409, note: { kind: 'error', text: closedText(ctx, activity) } });
        }
        if (err instanceof RegistrationError && err.code === 'EXCEEDS_CAPACITY') {
          await audit('invalid');
          return page({ status: 400, note: { kind: 'error', text: rs.tooMany(activity.capacity) }, members: membersText });
        }
        throw err;
      }
    }

    // checkIn / checkOut
    const cs = ctx.s.ss.checkIn;
    try {
      if (action === 'checkIn') {
        const result = await checkIns.checkIn({ activityId: activity.id, personKind: person.kind, personId: person.id, method: 'link' });
        await audit(result.status === 'checkedIn' ? 'recorded' : 'alreadyDecided');
        const at = ctx.s.when(result.at);
        return page({ note: { kind: 'ok', text: result.status === 'checkedIn' ? cs.done(at) : cs.already(at) } });
      }
      const out = await checkIns.checkOut(activity.id, person.id);
      await audit(out.status === 'checkedOut' ? 'recorded' : 'alreadyDecided');
      return page({ note: { kind: 'ok', text: cs.checkedOut(ctx.s.when(out.at)) } });
    } catch (err) {
      if (err instanceof CheckInError && err.code === 'ATTENDANCE_NOT_OPEN') {
        await audit('stepClosed');
        activity = await activityOr404(repos, activity.id);
        return page({ status: 409, note: { kind: 'error', text: activity.attendanceState === 'closed' ? cs.closedNow : cs.notYet(ctx.s.when(activity.attendanceOpensAt ?? activity.startsAt)) } });
      }
      if (err instanceof CheckInError && err.code === 'NOT_CHECKED_IN') {
        await audit('invalid');
        return page({ status: 409, note: { kind: 'error', text: cs.notCheckedIn } });
      }
      throw err;
    }
  });

  // ---- the page behind a QR card -------------------------------------------------------------

  // The card's own page (name, QR, short code; nothing else) for anyone: api/family/home-page.ts.
  router.get('/q/:qrToken', qrCardHandler({ repos, config }));

  // ---- the registration-open email's button: ask for the family's own link -------------------

  function askForm(req: Request, res: Response, ctx: Ctx, a: ActivityRef, table: RawHtml): void {
    const as = ctx.s.ss.ask;
    const csrf = issueCsrf(res);
    const body = registrationOpen(a)
      ? html`<p>${as.intro}</p><form method="post" action="${ctx.selfPath}?lang=${ctx.locale}"><input type="hidden" name="csrf" value="${csrf}"><label for="email">${as.email}</label><input type="email" id="email" name="email" autocomplete="email" required maxlength="${MAX_EMAIL}" style="font:inherit;padding:6px;width:100%"><div class="buttons"><button type="submit">${as.button}</button></div></form>`
      : html`<p>${closedText(ctx, a)}</p>`;
    send(res, ctx, 200, as.heading, html`<div class="card"><h1>${as.heading}</h1>${table}</div><div class="card">${body}</div>`);
  }

  router.get('/activities/:id/register', async (req, res) => {
    const ctx = ctxOf(req, res);
    const a = await activityIfRecorded(repos, String(req.params.id));
    if (!a) return message(res, ctx, 404, ctx.s.ss.pages.notFound.title, ctx.s.ss.pages.notFound.body);
    askForm(req, res, ctx, a, await activityTable(ctx, a));
  });

  router.post('/activities/:id/register', form, async (req, res) => {
    const ctx = ctxOf(req, res);
    if (!formIsOurs(res)) return message(res, ctx, 403, ctx.s.ss.pages.forbidden.title, ctx.s.ss.pages.forbidden.body);
    const a = await activityIfRecorded(repos, String(req.params.id));
    if (!a) return message(res, ctx, 404, ctx.s.ss.pages.notFound.title, ctx.s.ss.pages.notFound.body);
    // Whether registration is open is the activity's, not the address's: say so rather than "sent".
    if (!registrationOpen(a)) return message(res, ctx, 409, ctx.s.ss.ask.heading, closedText(ctx, a));
    // The same answer, at once, whatever the address: nobody learns who is on file.
    message(res, ctx, 200, ctx.s.ss.ask.sentTitle, ctx.s.ss.ask.sentBody);
    const email = formField(req.body, 'email').trim().toLowerCase();
    if (email.length === 0 || email.length > MAX_EMAIL || !email.includes('@')) return;
    if (!addressLimiter.take(email).ok) {
      logger.warn('registration link: too many asked for one address; none sent');
      return;
    }
    sendOwnLinks(a, email).catch((err: unknown) => logger.error('registration link: could not send', { activityId: a.id, error: String(err) }));
  });

  async function sendOwnLinks(a: ActivityRef, email: string): Promise<void> {
    const families = await repos.people.familiesByEmail(email, 10);
    if (!families.length) return;
    const summary = await deps.mail.activityForEmail(a);
    const domain = config.mail.from.email.split('@')[1] ?? 'localhost';
    for (const f of families) {
      const link = signSelfServiceLink(
        { activityId: a.id, step: 'register', person: { kind: 'family', id: f.id }, expiresAtMs: linkExpiry('register', a, config) },
        deps.linkSecret,
        config.http.publicBaseUrl,
      );
      const rendered = deps.render({ purpose: 'registrationOpen', activity: summary, recipientName: f.name, registerUrl: link.url, linkExpiresAt: link.expiresAt }, f.locale);
      await deps.mailer.send({
        to: { name: f.name, email: f.email },
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        // Asked for by the person: a new message each time (rate-limited per address above).
        messageId: messageIdFor(`registration-link/${a.id}/family:${f.id}/${randomUUID()}`, domain),
        headers: { 'X-Activity-Id': a.id, 'X-Email-Purpose': 'registrationOpen' },
      });
      logger.info('registration link sent on request', { activityId: a.id, recipientKey: `family:${f.id}` });
    }
  }

  // Errors on these pages are pages too, never JSON or a stack.
  router.use(PAGES, (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const known = toHttpError(err);
    // An outage: the app's one "try again shortly" page (503, Retry-After), not "something went wrong".
    if (known?.status === 503) return next(err);
    if (!known || known.status >= 500) logger.error('self-service page failed', { method: req.method, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    const ctx = ctxOf(req, res);
    const status = known?.status ?? 500;
    const [title, body] = status === 413 ? [ctx.s.pages.tooLarge.title, ctx.s.pages.tooLarge.body] : status < 500 ? [ctx.s.pages.invalid.title, ctx.s.pages.invalid.body] : [ctx.s.pages.error.title, ctx.s.pages.error.body];
    message(res, ctx, status, title, body);
  });

  return router;
}
